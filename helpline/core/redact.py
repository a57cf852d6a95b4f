"""Taking a person's data out of the logs that outlive it: the activity log and stored
event deliveries. Used when a customer is erased (helpline.customers.privacy); each app
redacts the activity of its own subjects, so the log's verbs, actors and times (what the
candor reports count) stay and only what identified the person goes.
"""

import re
from collections.abc import Callable, Iterable, Sequence

from django.db.models import Model, QuerySet

from helpline.core.chunks import chunked
from helpline.core.models import Activity, EventDelivery

ERASED = "[erased]"

# Keys whose values name or quote a person wherever they appear in a log's data: addresses,
# numbers, names, subjects, free text, mail headers.
PERSONAL_KEYS = frozenset(
    {
        "bcc",
        "body",
        "cc",
        "comment",
        "from",
        "headers",
        "name",
        "note",
        "number",
        "phone_number",
        "recipient",
        "recording_url",
        "reply_to",
        "subject",
        "text",
        "to",
        "value",
        "bounced_recipients",
        "target_name_before",
        "target_name_after",
    }
)


def personal_strings(values: Iterable[str]) -> list[str]:
    """The non-trivial strings to look for, lower-cased, longest first (a name before its
    part)."""
    found = {value.strip().lower() for value in values if value and len(value.strip()) >= 3}
    return sorted(found, key=len, reverse=True)


def mentions(text: str, personal: Sequence[str]) -> bool:
    lowered = text.lower()
    return any(value in lowered for value in personal)


def scrub_text(text: str, personal: Sequence[str]) -> str:
    """The text with every occurrence of a personal string replaced, case ignored."""
    if not text or not personal or not mentions(text, personal):
        return text
    pattern = "|".join(re.escape(value) for value in personal)
    return re.sub(pattern, ERASED, text, flags=re.IGNORECASE)


def scrub(value, personal: Sequence[str], key: str | None = None):
    """A JSON value with personal data taken out: a value under a personal key is emptied
    (keeping its type), a string mentioning a personal string loses it; numbers, booleans
    and other keys stay (they are what reports count)."""
    if key in PERSONAL_KEYS:
        if isinstance(value, str):
            return ERASED if value else value
        if isinstance(value, list):
            return []
        if isinstance(value, dict):
            return {}
        return value
    if isinstance(value, dict):
        return {k: scrub(v, personal, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item, personal) for item in value]
    if isinstance(value, str):
        return scrub_text(value, personal)
    return value


def redact_activity(model: type[Model], subject_ids: Sequence[int], personal: Sequence[str]) -> int:
    """Scrub the data of the activity rows about these rows of `model`; how many changed."""
    subject_type = model._meta.model_name
    return _scrub_rows(
        lambda chunk: Activity.objects.filter(subject_type=subject_type, subject_id__in=chunk),
        subject_ids,
        "data",
        personal,
    )


def redact_deliveries(key: str, ids: Sequence[int], personal: Sequence[str]) -> int:
    """Scrub stored event deliveries whose payload's `key` (customer_id, conversation_id) is
    one of `ids`: done ones are kept for a while, pending ones are still to run."""
    return _scrub_rows(
        lambda chunk: EventDelivery.objects.filter(**{f"payload__{key}__in": chunk}),
        ids,
        "payload",
        personal,
    )


def _scrub_rows(
    rows_among: Callable[[list[int]], QuerySet], ids: Sequence[int], field: str, personal
) -> int:
    """Scrub the JSON `field` of the rows `rows_among` each slice of `ids`; how many changed."""
    changed = []
    for chunk in chunked(ids):
        queryset = rows_among(chunk)
        for row in queryset.only("pk", field):
            value = scrub(getattr(row, field), personal)
            if value != getattr(row, field):
                setattr(row, field, value)
                changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, [field], batch_size=500)
    return len(changed)
