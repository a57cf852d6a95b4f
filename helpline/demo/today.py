"""What the demo desk has in hand on the day it is loaded: calls to return in every state,
appointments in the coming days, and a reply the mail server would not take.

Played after the history, through the same actions an agent's clicks call, so that each
page a newcomer opens first (the callback worklist, the appointments, the conversation
with a failed delivery) shows the product at work rather than an empty list.
"""

import random
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Exists, OuterRef, When
from django.test.utils import override_settings
from django.utils import timezone

from helpline.appointments import actions as appointment_actions
from helpline.appointments import slots
from helpline.appointments.models import Kind
from helpline.callbacks import actions as callback_actions
from helpline.callbacks.models import CallbackStatus, Outcome, Reason
from helpline.channels.email import outbox
from helpline.channels.email.models import OutboundEmail
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import OPEN_STATUSES, Channel, Conversation, Status
from helpline.conversations.receive import Inbound, receive
from helpline.core.models import Location, Role, User
from helpline.customers.models import Identity, IdentityKind

# Callbacks of the latest open conversations whose customer left a number, by what
# became of them (the first three show every state of the worklist even in a small demo):
# still to call, reached, never answered, tried once, a wrong number.
CALLBACK_STORIES = ["due", "reached", "never", "tried", "wrong", "due", "reached", "due", "tried"]
STILL_TO_CALL = {"due", "tried"}
APPOINTMENTS = 6
FAILED_DELIVERIES = 2
# The history's open work is its last days'; loaded late at night, a small demo may have
# one open conversation or none. Customers of the latest solved ones then write back.
OPEN_AT_LEAST = 6
WROTE_BACK = "Hello again, it is still not working. Could someone look at it, please?"
FAILED_REPLY = (
    "Hello,\n\nthank you for your patience. Your replacement part has arrived; "
    "we can fit it any day this week.\n"
)


@dataclass
class Today:
    callbacks: int = 0
    appointments: int = 0
    failed_deliveries: int = 0


def play(rng: random.Random, now: datetime, agents: list[User]) -> Today:
    staff = [a for a in agents if a.role == Role.AGENT]
    _customers_write_back(now)  # first, so that calls to return have open work to go with
    today = Today(
        callbacks=_callbacks(rng, now, staff),
        appointments=_appointments(rng, now, staff),
        failed_deliveries=_failed_deliveries(staff),
    )
    _customers_write_back(now)  # and last: a booking sets its conversation pending
    return today


def _customers_write_back(now: datetime) -> int:
    """Reopen the latest solved email conversations by a customer's reply (received an hour,
    a day and a half, three days… ago: some of it is late) until OPEN_AT_LEAST wait on us."""
    missing = OPEN_AT_LEAST - Conversation.objects.filter(status__in=OPEN_STATUSES).count()
    if missing <= 0:
        return 0
    solved = (
        Conversation.objects.filter(
            status=Status.SOLVED,
            channel=Channel.EMAIL,
            customer__identities__kind=IdentityKind.EMAIL,
        )
        # A customer who writes closes their calls still to return: not those whose call
        # the worklist is to show open.
        .exclude(customer__callbacks__status=CallbackStatus.OPEN)
        # Customers with a number first: the calls to return go with open work.
        .annotate(
            callable=Exists(
                Identity.objects.filter(customer=OuterRef("customer"), kind=IdentityKind.PHONE)
            )
        )
        .order_by("-callable", "-last_message_at")
        .distinct()[:missing]
    )
    for n, conversation in enumerate(solved):
        address = conversation.customer.identities.filter(kind=IdentityKind.EMAIL).first()
        assert address is not None  # as filtered
        receive(
            Inbound(
                channel=Channel.EMAIL,
                identity_kind=IdentityKind.EMAIL,
                identity_value=address.value,
                subject=f"Re: {conversation.subject}",
                text=WROTE_BACK,
                external_id=f"wrote-back-{conversation.pk}@demo.example",
                conversation=conversation,
                received_at=_wrote_back_at(conversation, now, n),
            )
        )
    return len(solved)


def _wrote_back_at(conversation: Conversation, now: datetime, n: int) -> datetime:
    """An hour ago, a day and a half, three days…; never before the conversation's last
    message, never in the future."""
    after_last = conversation.last_message_at + timedelta(minutes=30)
    return min(now - timedelta(minutes=1), max(after_last, now - timedelta(hours=1 + 36 * n)))


def _serving(staff: list[User], location: Location | None) -> User:
    return next(a for a in staff if location is None or a.serves(location.pk))


def _callbacks(rng: random.Random, now: datetime, staff: list[User]) -> int:
    """Calls still to make for conversations still open; finished ones (reached, never
    connected, a wrong number) for those waiting on the customer too."""
    latest = (
        Conversation.objects.filter(
            status__in=[*OPEN_STATUSES, Status.PENDING],
            customer__identities__kind=IdentityKind.PHONE,
        )
        .select_related("customer", "location")
        .order_by("-last_message_at")
        .distinct()
    )
    stories = list(CALLBACK_STORIES)
    customers, made = set(), 0
    for conversation in latest:
        still_open = conversation.status in OPEN_STATUSES
        story = next((s for s in stories if still_open or s not in STILL_TO_CALL), None)
        if story is None or conversation.customer_id in customers:
            continue
        stories.remove(story)
        customers.add(conversation.customer_id)  # one callback per customer's number
        phone = conversation.customer.identities.filter(kind=IdentityKind.PHONE).first()
        reason = Reason.MISSED_CALL if conversation.channel == Channel.PHONE else Reason.REQUESTED
        callback = callback_actions.create_callback(
            None,
            conversation.customer,
            phone.value,
            reason,
            due_at=min(conversation.last_message_at, now),
            conversation=conversation,
            location=conversation.location,
        )
        made += 1
        agent = _serving(staff, conversation.location)
        if story == "tried":
            callback_actions.record_attempt(agent, callback, Outcome.NO_ANSWER)
        elif story == "reached":
            note = rng.choice(["Talked it through, all clear.", "Customer will come by."])
            callback_actions.record_attempt(agent, callback, Outcome.REACHED, note)
        elif story == "wrong":
            callback_actions.record_attempt(agent, callback, Outcome.WRONG_NUMBER)
        elif story == "never":
            for _ in range(callback.max_attempts):
                outcome = rng.choice([Outcome.NO_ANSWER, Outcome.BUSY, Outcome.LEFT_MESSAGE])
                callback = callback_actions.record_attempt(agent, callback, outcome)
        if not stories:
            break
    return made


def _appointments(rng: random.Random, now: datetime, staff: list[User]) -> int:
    """Visits to the workshop and calls booked for the coming days, for customers whose
    repair is under way."""
    # A booking sets its conversation pending: never one with a call still to make (the
    # worklist shows those open), and pending ones before open ones.
    recent = (
        Conversation.objects.filter(
            status__in=[*OPEN_STATUSES, Status.PENDING], location__isnull=False
        )
        .exclude(callbacks__status=CallbackStatus.OPEN)
        .select_related("customer", "location")
    )
    pending_first = (Case(When(status=Status.PENDING, then=0), default=1), "-last_message_at")
    candidates = [
        *recent.filter(tags__name="repair").order_by(*pending_first)[:APPOINTMENTS],
        *recent.order_by(*pending_first)[: 3 * APPOINTMENTS],
    ]
    booked, customers = 0, set()
    for conversation in candidates:
        if booked == APPOINTMENTS:
            break
        if conversation.customer_id in customers:
            continue
        customers.add(conversation.customer_id)
        agent = _serving(staff, conversation.location)
        free = slots.free_slots(conversation.location, agent=agent, days=10, now=now)
        # Not in the next hour, which may have begun by the time the demo books it.
        free = [slot for slot in free if slot.starts_at > timezone.now() + timedelta(hours=1)]
        if not free:
            continue
        slot = rng.choice(free)
        phone = conversation.customer.identities.filter(kind=IdentityKind.PHONE).first()
        kind = Kind.CALLBACK if phone and rng.random() < 0.4 else Kind.IN_STORE
        appointment_actions.book(
            agent,
            conversation.customer,
            kind,
            slot.starts_at,
            location=conversation.location,
            agent=agent,
            conversation=conversation,
            phone_number=phone.value if kind == Kind.CALLBACK else "",
        )
        booked += 1
    return booked


def _failed_deliveries(staff: list[User]) -> int:
    """Replies to the latest email conversations, tried once against a mail server that
    refuses the connection: the desk shows why each failed and offers to send it again."""
    conversations = (
        Conversation.objects.filter(
            status__in=[Status.NEW, Status.OPEN],
            channel=Channel.EMAIL,
            customer__identities__kind=IdentityKind.EMAIL,
        )
        .select_related("location")
        .order_by("-last_message_at")
        .distinct()[:FAILED_DELIVERIES]
    )
    failed = 0
    for conversation in conversations:
        agent = _serving(staff, conversation.location)
        message = conversation_actions.reply(agent, conversation, FAILED_REPLY)
        outbound = OutboundEmail.objects.get(message=message)
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=_closed_port(),
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            HELPLINE_OUTBOX_MAX_ATTEMPTS=1,
        ):
            failed += outbox.deliver(outbound.pk) == "failed"
    return failed


def _closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
