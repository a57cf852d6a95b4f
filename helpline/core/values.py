"""Checks of the values an action is given as a dict of fields (a policy, a webhook): each
cleans the field in place when it is present and raises an ActionError naming it."""

from django.db import models

from helpline.core.errors import ActionError


def required_text(values: dict, field: str, missing: str, *, max_length: int = 200) -> None:
    """Stripped; `missing` is the refusal of an empty one ("a policy needs a name")."""
    if field not in values:
        return
    text = (values[field] or "").strip()
    if not text:
        raise ActionError(missing, field)
    if len(text) > max_length:
        raise ActionError(f"at most {max_length} characters", field)
    values[field] = text


def optional_choice(values: dict, field: str, choices) -> None:
    """One of `choices`, or empty ("" for None)."""
    if field not in values:
        return
    values[field] = values[field] or ""
    if values[field] and values[field] not in choices:
        raise ActionError(f"must be one of {', '.join(choices)}", field)


def rows_by_id(values: dict, models_by_field: dict[str, type[models.Model]]) -> None:
    """An id given for a row becomes the row; one that names none is refused."""
    for field, model in models_by_field.items():
        if isinstance(values.get(field), int):
            found = model._default_manager.filter(pk=values[field]).first()
            if found is None:
                raise ActionError(f"no such {model._meta.verbose_name}", field)
            values[field] = found
