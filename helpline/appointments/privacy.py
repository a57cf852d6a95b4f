"""Appointments' part of a customer's data request (helpline.customers.privacy): their
appointments in the export; on erasure the booked ones are cancelled without a word to the
erased address, numbers and notes go, and times, kinds, locations and outcomes stay."""

from django.utils import timezone

from helpline.appointments.models import Appointment, AppointmentStatus
from helpline.core.chunks import ids_of
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.core.redact import redact_activity
from helpline.customers.privacy import Contribution, contribute, history_of

ERASED_REASON = "the customer's data was erased"


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, erase, phase=Phase.IN_TRANSACTION)
    contribute("appointments", export)


def export(customer_ids: list[int]) -> Contribution:
    appointments = Appointment.objects.filter(customer_id__in=customer_ids).order_by(
        "starts_at", "pk"
    )
    kind = Appointment._meta.model_name
    events: dict[str, list[dict]] = {}
    for row in history_of(Appointment, [a.pk for a in appointments]):
        events.setdefault(row["subject"], []).append(row)
    data = [
        {**row, "events": events.get(f"{kind}#{row['id']}", [])}
        for row in appointments.values(
            "id",
            "customer_id",
            "conversation_id",
            "location__name",
            "kind",
            "starts_at",
            "ends_at",
            "phone_number",
            "note",
            "status",
            "created_at",
            "outcome_at",
            "cancel_reason",
        )
    ]
    return Contribution(data)


def erase(event: Event) -> dict:
    appointments = Appointment.objects.filter(customer_id__in=event["customer_ids"])
    ids = ids_of(appointments)
    cancelled = appointments.filter(status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.CANCELLED, outcome_at=timezone.now(), cancel_reason=ERASED_REASON
    )
    appointments.exclude(cancel_reason=ERASED_REASON).update(cancel_reason="")
    appointments.update(phone_number="", note="")
    redact_activity(Appointment, ids, event["personal"])
    return {"appointments": len(ids), "appointments_cancelled": cancelled}
