"""Appointments: today's and the coming days' callbacks and visits, what became of the past
ones, and booking a free slot for a customer. The list is on the viewer's clock (days and
"today" too); the slots to book are on the location's, where the customer will be."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from helpline.access import get_conversation_for, get_customer_for, identities_seen_by
from helpline.appointments import actions, slots
from helpline.appointments.models import Appointment, AppointmentStatus, Kind
from helpline.appointments.slots import zone_of
from helpline.conversations.models import Channel, Conversation
from helpline.core.errors import ActionError
from helpline.core.models import Activity, Location, User
from helpline.core.params import parse_moment
from helpline.core.windows import check_appointment_start
from helpline.customers import actions as customer_actions
from helpline.customers.models import Customer, IdentityKind
from helpline.desk import times
from helpline.desk.forms import PHONE_INPUT, DeskForm, refuse, served_locations
from helpline.desk.views.customers import id_from, ordered_identities, query_from
from helpline.search import search

LIST_SIZE = 200
OUTCOME_SIZE = 100
CUSTOMER_CHOICES = 10


# The list


@dataclass
class Row:
    appointment: Appointment
    starts: datetime  # on the viewer's clock
    ends: datetime
    started: bool
    today: bool


@dataclass
class Day:
    day: date
    today: bool
    rows: list[Row]


@login_required
@require_http_methods(["GET", "HEAD"])
def appointment_list(request):
    return _render_list(request)


def _render_list(request, typed: dict | None = None, status: int = 200):
    now = timezone.now()
    visible = Appointment.objects.visible_to(request.user).select_related(
        "customer", "location", "agent"
    )
    ended = Q(status=AppointmentStatus.BOOKED, ends_at__lte=now)
    needs_outcome = list(visible.filter(ended).order_by("starts_at", "id")[: OUTCOME_SIZE + 1])
    # A day before now holds the viewer's today, wherever their clock is; the rows of their
    # yesterday are dropped below.
    coming = list(
        visible.filter(starts_at__gte=now - timedelta(days=1))
        .exclude(ended)
        .order_by("starts_at", "id")[: LIST_SIZE + 1]
    )
    zone = timezone.get_current_timezone()
    rows = [_row(appointment, now, zone) for appointment in coming[:LIST_SIZE]]
    rows = [row for row in rows if row.starts.date() >= now.astimezone(zone).date()]
    outcome_rows = [_row(a, now, zone) for a in needs_outcome[:OUTCOME_SIZE]]
    typed = typed or {}
    shown = {row.appointment.pk for row in rows + outcome_rows}
    context = {
        "nav": "appointments",
        "needs_outcome": outcome_rows,
        "more_outcomes": len(needs_outcome) > OUTCOME_SIZE,
        "days": _by_day(rows),
        "more": len(coming) > LIST_SIZE,
        "typed": typed,
        # A refusal about an appointment no longer listed is said above the list.
        "unlisted_error": typed.get("error") if typed.get("id") not in shown else "",
    }
    return render(request, "desk/appointments.html", context, status=status)


def _row(appointment: Appointment, now: datetime, zone: tzinfo) -> Row:
    starts = appointment.starts_at.astimezone(zone)
    return Row(
        appointment=appointment,
        starts=starts,
        ends=appointment.ends_at.astimezone(zone),
        started=appointment.starts_at <= now,
        today=starts.date() == now.astimezone(zone).date(),
    )


def _by_day(rows: list[Row]) -> list[Day]:
    days: dict[date, Day] = {}
    for row in rows:
        day = days.setdefault(row.starts.date(), Day(row.starts.date(), row.today, []))
        day.rows.append(row)
    return [days[day] for day in sorted(days)]


def _visible_appointment(user: User, pk: int) -> Appointment:
    appointment = Appointment.objects.visible_to(user).filter(pk=pk).first()
    if appointment is None:
        raise Http404("No such appointment")
    return appointment


@login_required
@require_POST
def appointment_outcome(request, pk: int):
    appointment = _visible_appointment(request.user, pk)
    outcome = request.POST.get("outcome", "")
    try:
        appointment = actions.record_outcome(request.user, appointment, outcome)
    except ActionError as exc:
        return _render_list(request, {"id": appointment.pk, "error": str(exc)}, status=400)
    label = appointment.get_status_display()
    messages.success(request, f"{label}: {appointment.customer}, {_short(appointment)}.")
    return redirect("desk:appointments")


@login_required
@require_POST
def appointment_cancel(request, pk: int):
    appointment = _visible_appointment(request.user, pk)
    reason = request.POST.get("reason", "")
    try:
        appointment = actions.cancel(request.user, appointment, reason)
    except ActionError as exc:
        typed = {"id": appointment.pk, "error": str(exc), "reason": reason}
        return _render_list(request, typed, status=400)
    messages.success(request, f"Cancelled: {appointment.customer}, {_short(appointment)}.")
    return redirect("desk:appointments")


def _short(appointment: Appointment) -> str:
    return times.plain(appointment.starts_at, appointment.location)


# Booking


class BookingForm(DeskForm):
    kind = forms.ChoiceField(label="Kind", choices=Kind.choices)
    # The action judges the time (past, closed, taken), in its own words, next to the field.
    starts_at = forms.CharField(label="Time", widget=forms.Select)
    phone_number = forms.CharField(
        label="Phone number", required=False, max_length=64, widget=PHONE_INPUT
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=actions.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, day_slots=(), zone=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a time")]
        for day, day_slots_of in day_slots:
            # The day in each option too: a closed select shows only the chosen option.
            times = [(slot.starts_at.isoformat(), _slot_label(slot, zone)) for slot in day_slots_of]
            choices.append((f"{day:%A} {day.day} {day:%B}", times))
        self.fields["starts_at"].widget.choices = choices

    def clean_starts_at(self) -> datetime:
        value = self.cleaned_data["starts_at"]
        try:  # one of the slots offered; a forged one is bounded like the API's
            return parse_moment(value, "starts_at", check_appointment_start)
        except ActionError:
            raise forms.ValidationError("Choose a time.") from None


def _slot_label(slot: slots.Slot, zone) -> str:
    starts, ends = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
    return f"{starts:%a} {starts.day} {starts:%b}, {starts:%H:%M}–{ends:%H:%M}"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_new(request):
    params = request.POST if request.method == "POST" else request.GET
    conversation, customer = _booking_for(request.user, params)
    if customer is None:
        return _find_customer(request)
    locations = list(served_locations(request.user))
    location = _chosen_location(params.get("location"), locations, conversation, customer)
    agents = list(agents_serving(location)) if location else []
    agent = _chosen_agent(request, params, agents)
    zone = zone_of(location) if location else None
    day_slots = (
        slots.by_local_day(slots.free_slots(location, agent=agent), location) if location else []
    )
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        day_slots=day_slots,
        zone=zone,
        initial={
            "kind": _default_kind(conversation),
            "phone_number": _phone_of(request.user, customer),
        },
    )
    if request.method == "POST" and form.is_valid():
        if location is None:
            form.add_error(None, "Choose a location.")
        else:
            try:
                appointment = actions.book(
                    request.user,
                    customer,
                    form.cleaned_data["kind"],
                    form.cleaned_data["starts_at"],
                    location=location,
                    agent=agent,
                    conversation=conversation,
                    phone_number=form.cleaned_data["phone_number"],
                    note=form.cleaned_data["note"],
                )
            except ActionError as exc:
                refuse(form, exc)
            else:
                messages.success(request, _booked(appointment))
                return redirect("desk:appointments")
    context = {
        "nav": "appointments",
        "conversation": conversation,
        "customer": customer,
        "locations": locations,
        "location": location,
        "agents": agents,
        "agent": agent,
        "zone": zone,
        "form": form,
        "slot_count": sum(len(day) for _, day in day_slots),
        "days": slots.DEFAULT_DAYS,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/appointment_book.html", context, status=status)


def _booking_for(user: User, params) -> tuple[Conversation | None, Customer | None]:
    """The conversation or customer the page was opened for (404 unless visible)."""
    conversation_id = id_from(params.get("conversation"), "conversation")
    if conversation_id is not None:
        conversation = get_conversation_for(
            user, conversation_id, Conversation.objects.select_related("customer", "location")
        )
        return conversation, conversation.customer
    customer_id = id_from(params.get("customer"), "customer")
    if customer_id is None:
        return None, None
    customers = Customer.objects.select_related("location")
    customer = get_customer_for(user, customer_id, customers)
    if customer.merged_into_id:
        survivor = customer_actions.resolve_merged(customer)
        customer = get_customer_for(user, survivor.pk, customers)
    return None, customer


def _find_customer(request):
    """Opened without a customer: find one first."""
    query = query_from({"q": request.GET.get("find")})
    hits = search.search_customers(request.user, query, limit=CUSTOMER_CHOICES) if query else []
    prefetch_related_objects([hit.customer for hit in hits], "location", ordered_identities())
    context = {"nav": "appointments", "customer": None, "find": query, "hits": hits}
    return render(request, "desk/appointment_book.html", context)


def _chosen_location(
    value, locations: list[Location], conversation: Conversation | None, customer: Customer
) -> Location | None:
    by_id = {location.pk: location for location in locations}
    chosen = id_from(value, "location")
    if chosen in by_id:
        return by_id[chosen]
    for default in (conversation.location_id if conversation else None, customer.location_id):
        if default in by_id:
            return by_id[default]
    return locations[0] if locations else None


def agents_serving(location: Location):
    """Who may take an appointment at `location` (as book accepts)."""
    return User.objects.serving(location.pk).order_by("first_name", "last_name", "username")


def _chosen_agent(request, params, agents: list[User]) -> User | None:
    by_id = {agent.pk: agent for agent in agents}
    if "agent" in params:  # chosen, perhaps "no one in particular"
        return by_id.get(id_from(params.get("agent"), "agent"))
    return by_id.get(request.user.pk)  # the agent booking it, when they serve there


def _default_kind(conversation: Conversation | None) -> str:
    if conversation is not None and conversation.channel == Channel.PHONE:
        return Kind.CALLBACK
    return Kind.IN_STORE


def _phone_of(user: User, customer: Customer) -> str:
    """The customer's first number the agent may see (a shared customer: one received)."""
    identity = (
        identities_seen_by(user, customer).filter(kind=IdentityKind.PHONE).order_by("id").first()
    )
    return identity.value if identity else ""


def _booked(appointment: Appointment) -> str:
    said = f"Booked: {appointment.customer}, {_short(appointment)}."
    booking = Activity.objects.filter(
        subject_type="appointment", subject_id=appointment.pk, verb=actions.BOOKED
    ).first()
    data = booking.data if booking else {}
    if data.get("not_sent_because"):
        return f"{said} No invitation sent: {data['not_sent_because']}."
    return f"{said} The invitation is queued for sending."


urlpatterns = [
    path("appointments/", appointment_list, name="appointments"),
    path("appointments/new/", appointment_new, name="appointment-new"),
    path("appointments/<int:pk>/outcome/", appointment_outcome, name="appointment-outcome"),
    path("appointments/<int:pk>/cancel/", appointment_cancel, name="appointment-cancel"),
]
