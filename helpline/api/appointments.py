"""/api/appointments: booked callbacks and in-store visits, free slots, and what became of each.

Times are UTC instants; `timezone` says the location's zone, in which opening hours and
the customer's mail read them. As in the desk, appointments of a location you do not
serve do not exist (404), and a body that names another location's customer,
conversation or location is refused naming that field (400).
"""

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from helpline.api import lookups
from helpline.api.errors import FieldError
from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import NO_NUL, ErrorOut, Moment, UserRef
from helpline.appointments import actions, slots
from helpline.appointments.models import Appointment, AppointmentStatus, Kind
from helpline.conversations.models import Conversation
from helpline.core.errors import ActionError

router = Router(tags=["appointments"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
SOONEST_FIRST = Ordering("appointments", (Key("starts_at", datetime=True), Key("id")))
KindName = Literal[tuple(Kind.values)]
StatusName = Literal[tuple(AppointmentStatus.values)]
OutcomeName = Literal[tuple(actions.OUTCOMES)]
Id = Field(None, ge=1, le=2**63 - 1)
# An action's field, as this API names it.
FIELDS = {
    "customer": "customer_id",
    "conversation": "conversation_id",
    "location": "location_id",
    "agent": "agent_id",
}


class AppointmentOut(Schema):
    id: int
    kind: str
    status: str
    customer_id: int
    customer_name: str
    conversation_id: int
    location_id: int
    timezone: str = Field(..., description="The location's time zone")
    starts_at: datetime
    ends_at: datetime
    agent: UserRef | None
    phone_number: str
    note: str
    created_at: datetime
    created_by_id: int | None
    reminder_sent_at: datetime | None
    outcome_at: datetime | None
    outcome_by_id: int | None
    cancel_reason: str
    uid: str = Field(..., description="The iCalendar UID the customer's calendar knows it by")
    sequence: int = Field(..., description="Raised by each change sent to the customer")

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return str(obj.customer)

    @staticmethod
    def resolve_timezone(obj) -> str:
        return slots.zone_of(obj.location).key


class AppointmentPage(Schema):
    items: list[AppointmentOut]
    next_cursor: str | None


class AppointmentFilters(Schema):
    status: StatusName | None = None
    location: int | None = Id
    from_: Moment | None = Field(
        None, alias="from", description="Starting at or after this instant"
    )
    to: Moment | None = Field(None, description="Starting before this instant")


class SlotParams(Schema):
    location: int = Field(..., ge=1, le=2**63 - 1)
    agent: int | None = Field(None, ge=1, le=2**63 - 1, description="Leave out their bookings")
    days: int = Field(slots.DEFAULT_DAYS, ge=1, le=slots.MAX_DAYS, description="From today")


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    local_starts_at: datetime = Field(..., description="The same instant on the location's clock")


class SlotsOut(Schema):
    location_id: int
    timezone: str
    minutes: int
    slots: list[SlotOut]


class BookIn(Schema):
    customer_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Optional when conversation_id is given"
    )
    conversation_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Without one, a conversation is started"
    )
    kind: KindName
    starts_at: AwareDatetime
    location_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Default: the conversation's, else the customer's"
    )
    agent_id: int | None = Field(None, ge=1, le=2**63 - 1)
    phone_number: str = Field("", max_length=64, pattern=NO_NUL)
    note: str = Field("", max_length=actions.MAX_NOTE, pattern=NO_NUL)


class RescheduleIn(Schema):
    starts_at: AwareDatetime


class CancelIn(Schema):
    reason: str = Field("", max_length=actions.MAX_REASON, pattern=NO_NUL)


class OutcomeIn(Schema):
    outcome: OutcomeName


def _appointments():
    return Appointment.objects.select_related("customer", "location", "agent")


def _appointment(user, appointment_id: int) -> Appointment:
    appointment = _appointments().visible_to(user).filter(pk=appointment_id).first()
    if appointment is None:
        raise Http404("No such appointment")
    return appointment


def _call(action, *args, **kwargs):
    try:
        return action(*args, **kwargs)
    except ActionError as exc:
        raise FieldError(FIELDS.get(exc.field, exc.field) or None, str(exc)) from None


@router.get("/appointments", response={200: AppointmentPage, **ERRORS})
def list_appointments(request, filters: Query[AppointmentFilters], page: Query[PageParams]):
    """Appointments at the locations you serve, soonest first."""
    appointments = _appointments().visible_to(request.auth)
    if filters.status is not None:
        appointments = appointments.filter(status=filters.status)
    if filters.location is not None:
        appointments = appointments.filter(location_id=filters.location)
    if filters.from_ is not None:
        appointments = appointments.filter(starts_at__gte=filters.from_)
    if filters.to is not None:
        appointments = appointments.filter(starts_at__lt=filters.to)
    return paginate(appointments, SOONEST_FIRST, page)


@router.get("/appointments/slots", response={200: SlotsOut, **ERRORS})
def list_appointment_slots(request, params: Query[SlotParams]):
    """Free slots of a location you serve, inside its opening hours, from now on."""
    location = _served_location(request.auth, params.location)
    agent = lookups.agent(params.agent, "agent")
    if agent is not None and not (agent.is_active and agent.serves(location.pk)):
        raise FieldError("agent", f"no such agent at {location.name}")
    zone = slots.zone_of(location)
    free = slots.free_slots(location, agent=agent, days=params.days)
    return {
        "location_id": location.pk,
        "timezone": zone.key,
        "minutes": int(slots.slot_length().total_seconds() // 60),
        "slots": [
            {
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "local_starts_at": s.starts_at.astimezone(zone),
            }
            for s in free
        ],
    }


@router.post("/appointments", response={201: AppointmentOut, **ERRORS})
def book_appointment(request, payload: BookIn):
    """Book a slot; the customer is sent an invitation with an iCalendar file."""
    user = request.auth
    conversation = None
    if payload.conversation_id is not None:
        conversation = (
            Conversation.objects.visible_to(user)
            .select_related("customer", "location")
            .filter(pk=payload.conversation_id)
            .first()
        )
        if conversation is None:
            raise FieldError("conversation_id", "no such conversation")
    if payload.customer_id is not None:
        customer = lookups.customer(user, payload.customer_id)
    elif conversation is not None:
        customer = conversation.customer
    else:
        raise FieldError("customer_id", "give the customer_id or a conversation_id")
    appointment = _call(
        actions.book,
        user,
        customer,
        payload.kind,
        payload.starts_at,
        location=lookups.location(user, payload.location_id),
        agent=lookups.agent(payload.agent_id, "agent_id"),
        conversation=conversation,
        phone_number=payload.phone_number,
        note=payload.note,
    )
    return Status(201, _appointments().get(pk=appointment.pk))


@router.get("/appointments/{int:appointment_id}", response={200: AppointmentOut, **ERRORS})
def get_appointment(request, appointment_id: int):
    return _appointment(request.auth, appointment_id)


@router.post(
    "/appointments/{int:appointment_id}/reschedule", response={200: AppointmentOut, **ERRORS}
)
def reschedule_appointment(request, appointment_id: int, payload: RescheduleIn):
    """Move it (its length kept); the customer is sent the updated invitation."""
    appointment = _appointment(request.auth, appointment_id)
    _call(actions.reschedule, request.auth, appointment, payload.starts_at)
    return _appointment(request.auth, appointment_id)


@router.post("/appointments/{int:appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
def cancel_appointment(request, appointment_id: int, payload: CancelIn):
    """Cancel it; the customer's calendar is sent the cancellation."""
    appointment = _appointment(request.auth, appointment_id)
    _call(actions.cancel, request.auth, appointment, payload.reason)
    return _appointment(request.auth, appointment_id)


@router.post("/appointments/{int:appointment_id}/outcome", response={200: AppointmentOut, **ERRORS})
def record_appointment_outcome(request, appointment_id: int, payload: OutcomeIn):
    """Attended, or missed (only once it has started)."""
    appointment = _appointment(request.auth, appointment_id)
    _call(actions.record_outcome, request.auth, appointment, payload.outcome)
    return _appointment(request.auth, appointment_id)


def _served_location(user, pk: int):
    try:
        return lookups.location(user, pk, "location")
    except FieldError:
        raise Http404("No such location") from None
