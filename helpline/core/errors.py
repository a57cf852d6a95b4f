"""The one error every domain action raises when it refuses a request."""


class ActionError(ValueError):
    """A request that the domain refuses, with a field name when one is to blame."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def refuse_unknown(values, allowed) -> None:
    """Refuse a change that names a field the action does not set, naming the first."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise ActionError(f"cannot set {', '.join(sorted(unknown))}", sorted(unknown)[0])
