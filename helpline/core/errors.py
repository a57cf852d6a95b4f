"""The one error every domain action raises when it refuses a request."""


class ActionError(ValueError):
    """A request that the domain refuses, with a field name when one is to blame."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field
