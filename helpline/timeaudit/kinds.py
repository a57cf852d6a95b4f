"""The kinds of time, and which of them touch a customer.

Helpline records four kinds itself (calls, visits, replies, appointments: customer-impacting
by default); agents log the others by hand or import them from a calendar (administrative
by default). An admin may turn any kind either way and add kinds of their own
(Settings → Time audit); a `TimeKind` row overrides the default of its key.
"""

from dataclasses import dataclass

from helpline.timeaudit.models import TimeKind

# Recorded by Helpline from what happened: never offered in the manual log.
CALL, VISIT, REPLY, APPOINTMENT = "call", "visit", "reply", "appointment"
AUTOMATIC = (CALL, VISIT, REPLY, APPOINTMENT)
MEETING = "meeting"  # what a calendar's events are


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    customer_impacting: bool
    automatic: bool
    position: int


# key: (label, customer-impacting)
DEFAULTS: dict[str, tuple[str, bool]] = {
    CALL: ("Phone calls", True),
    VISIT: ("Visits", True),
    REPLY: ("Writing replies", True),
    APPOINTMENT: ("Appointments", True),
    MEETING: ("Meetings", False),
    "admin": ("Admin and paperwork", False),
    "training": ("Training", False),
    "stock": ("Stock and deliveries", False),
    "break": ("Breaks", False),
    "other": ("Other", False),
}


def all_kinds() -> dict[str, Kind]:
    """Every kind, in the order the pages list them: the defaults as the rules change them,
    then the admins' own."""
    kinds = {
        key: Kind(key, label, impacting, key in AUTOMATIC, position)
        for position, (key, (label, impacting)) in enumerate(DEFAULTS.items())
    }
    for row in TimeKind.objects.all():
        position = kinds[row.key].position if row.key in kinds else len(DEFAULTS) + row.position
        kinds[row.key] = Kind(
            row.key, row.label, row.customer_impacting, row.key in AUTOMATIC, position
        )
    return dict(sorted(kinds.items(), key=lambda item: (item[1].position, item[1].label)))


def manual_kinds() -> dict[str, Kind]:
    """What an agent may log by hand or a calendar may hold."""
    return {key: kind for key, kind in all_kinds().items() if not kind.automatic}


def label(kinds: dict[str, Kind], key: str) -> str:
    kind = kinds.get(key)
    return kind.label if kind else key


def touches_customer(kinds: dict[str, Kind], key: str) -> bool:
    """A kind nobody knows any more (its rule was never there) counts as administrative."""
    kind = kinds.get(key)
    return bool(kind and kind.customer_impacting)
