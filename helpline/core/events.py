"""The event bus: the one way an app reacts to what happened in another.

Actions and `receive` publish an event inside the transaction that caused it. A handler
subscribes in its app's `AppConfig.ready`, in one of three phases:

* **in the transaction** — a consequence that must commit with its cause (SLA clocks, a
  reply's outbox row, a missed call's callback). It runs at once; if it raises, the cause
  rolls back with it.
* **after commit, durably** — everything that may happen later (the acknowledgement mail,
  surveys, webhooks, rollups). Publishing writes one `EventDelivery` row per handler in the
  cause's transaction; a Celery worker delivers it after commit, claimed with a conditional
  UPDATE, retried with back-off, taken again by the beat sweep when a worker died. Such a
  handler runs at least once per event, so it must be idempotent; a failure never touches
  the cause, and after the last try the row waits under "failed" for a person to run again.
* **on commit, best effort** — what is worth doing at once but not worth storing: the
  real-time desk's pushes to open sockets (a page that missed one catches up over HTTP). It
  runs in the publishing process right after the commit, nothing is stored or retried; a
  failure is logged and lost, and never touches the cause. A rolled-back cause runs nothing.

Payloads are JSON-serialisable dicts of ids and plain values (durable ones are stored), and
event names are the members of `EventName`, never loose strings.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from helpline.core.doorbell import Doorbell
from helpline.core.models import EventDelivery, EventDeliveryStatus
from helpline.core.work_queue import WorkQueue

log = logging.getLogger(__name__)


class EventName(StrEnum):
    """Every event of the desk, with the payload it carries (all ids are primary keys)."""

    # receive stored a message from a customer or a robot: message_id, conversation_id,
    # customer_id, channel, kind, new_conversation, reached_customer, created_at (ISO),
    # actor_id.
    MESSAGE_RECEIVED = "message.received"
    # We wrote to or reached the customer (a reply, an automatic answer, an outbound call):
    # message_id, conversation_id, customer_id, channel, kind, reached_customer, actor_id, and
    # for mail `recipient`, `cc`, `bcc` (lists of addresses), `headers` and `subject` (empty:
    # the reply's; the email channel queues it). A forward is one too, to a third party.
    MESSAGE_SENT = "message.sent"
    # An internal note: message_id, conversation_id, actor_id.
    NOTE_ADDED = "note.added"
    # An agent opened a conversation without a message yet: conversation_id, actor_id.
    CONVERSATION_OPENED = "conversation.opened"
    # conversation_id, actor_id, before, after; a status change also pending_until (ISO) when
    # it is pending until a moment, and `because` "pending_until" when that moment reopened it.
    CONVERSATION_ASSIGNED = "conversation.assigned"
    CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
    CONVERSATION_PRIORITY_CHANGED = "conversation.priority_changed"
    CONVERSATION_RENAMED = "conversation.renamed"
    CONVERSATION_TAGGED = "conversation.tagged"
    # A sent message could not be delivered (a bounce): message_id, conversation_id, error.
    MESSAGE_UNDELIVERED = "message.undelivered"
    # The email channel's outbox handed a mail to the mail server (MAIL_SENT), or gave up on it
    # after its last try (MAIL_FAILED): message_id, conversation_id, outbound_id, recipient,
    # automatic (the message's meta "automatic", e.g. "appointment_invitation"; empty for a
    # person's reply), error (empty when sent).
    MAIL_SENT = "mail.sent"
    MAIL_FAILED = "mail.failed"
    # A call nobody took (missed, abandoned, voicemail), first recorded or turned into a
    # voicemail: message_id, conversation_id, customer_id, location_id, direction, outcome,
    # number (E.164, empty when withheld), at (ISO time of the call).
    CALL_UNTAKEN = "call.untaken"
    # The chat channel: a visitor's chat began (waiting, or given to an agent), a waiting one
    # was given to an agent, or one ended
    # (by the visitor or an agent): session_id, conversation_id, location_id, agent_id (None
    # while waiting), status ("waiting"|"active"|"ended"), ended_by ("visitor"|"agent"|"").
    CHAT_STARTED = "chat.started"
    CHAT_ASSIGNED = "chat.assigned"  # a waiting chat given to an agent (or taken by one)
    CHAT_ENDED = "chat.ended"
    # Someone in a chat started or stopped typing: conversation_id, location_id, typing
    # (bool), by ("visitor"|"agent"), agent_name (for the visitor's widget; "" for a
    # visitor). Published in a transaction of its own; never stored (on-commit handlers only).
    CHAT_TYPING = "chat.typing"
    # A chat's visitor was blocked: session_id, conversation_id, location_id, visitor.
    CHAT_VISITOR_BLOCKED = "chat.visitor_blocked"
    # survey_id, answer_id, kind, score (int), comment, purpose, recovery_case_id (or None),
    # customer_id (None for kiosk), conversation_id (None for kiosk), location_id, agent_id,
    # team_id (credited at answer time), changed (bool: an earlier answer was changed within its
    # 7 days), answered_at (ISO).
    SURVEY_ANSWERED = "survey.answered"
    # case_id, customer_id, conversation_id, location_id, owner_id, triggers (list of trigger
    # names); step adds step, actor_id; closed adds follow_up_kind ("csat" by default) and
    # root_cause.
    RECOVERY_OPENED = "recovery.opened"
    RECOVERY_STEP = "recovery.step"
    RECOVERY_CLOSED = "recovery.closed"
    # A merge of customers, inside its transaction: actor_id, source_id, target_id. Handlers
    # move their own rows and return what they moved (kept in the merge's activity).
    CUSTOMERS_MERGED = "customers.merged"
    # Its undoing: actor_id, source_id, target_id, merged (the merge activity's data).
    CUSTOMERS_UNMERGED = "customers.unmerged"
    # A customer's personal data is being erased, inside its transaction: actor_id,
    # customer_ids (the customer and those merged into it), personal (their name, addresses
    # and numbers, to look for in free text). Never stored: in-transaction handlers only. Each
    # app empties its own rows' personal fields, keeping every count, time and score, and
    # returns what it changed (kept in the erasure's activity).
    CUSTOMER_ERASED = "customer.erased"
    # insights: source ("message"|"survey_answer"), source_id, conversation_id, customer_id,
    # location_id, language, compound (float, None when the language is not covered), model
    # (name and version).
    TEXT_SCORED = "text.scored"
    # insights: source, source_id, conversation_id, customer_id, theme_id, theme_name.
    TEXT_THEMED = "text.themed"
    # The escalation scan recorded a breach of a conversation's clock (once per due point):
    # sla_event_id, conversation_id, customer_id, location_id, clock ("response"|"resolution"),
    # due_at (ISO).
    SLA_BREACHED = "sla.breached"
    # A callback failed: callback_id, customer_id, conversation_id, location_id, reason
    # ("never_connected": not reached in its tries | "wrong_number"), failed_at (ISO).
    CALLBACK_FAILED = "callback.failed"
    # An appointment was missed: appointment_id, customer_id, conversation_id, location_id,
    # kind, by ("customer": they did not come | "us": we did not call or receive them),
    # starts_at (ISO).
    APPOINTMENT_MISSED = "appointment.missed"
    # An appointment was attended (the customer came or took the call): appointment_id,
    # customer_id, conversation_id, location_id, kind, agent_id (who was to receive or call
    # them, else who recorded it; None when neither), starts_at, ends_at (ISO).
    APPOINTMENT_ATTENDED = "appointment.attended"
    # An admin changed a person (core.actions.update_agent): user_id, actor_id, changed (the
    # names of the fields: first_name, last_name, role, locations, is_active).
    USER_UPDATED = "user.updated"
    # [feedback] survey_id, kind ("csat"|"nps"|"ces"), purpose ("contact"|"recovery_followup"),
    # customer_id, conversation_id, location_id, recovery_case_id (or None).
    SURVEY_SENT = "survey.sent"


class Phase(StrEnum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"  # durably, through the worker
    ON_COMMIT = "on_commit"  # best effort, in the publishing process


@dataclass(frozen=True)
class Event:
    name: EventName
    payload: dict
    delivery_id: int | None = None  # the durable delivery, for an after-commit handler

    def __getitem__(self, key: str):
        return self.payload[key]

    def get(self, key: str, default=None):
        return self.payload.get(key, default)


Handler = Callable[..., object]


@dataclass(frozen=True)
class Subscription:
    name: EventName
    handler: Handler
    phase: Phase
    many: bool  # in the transaction or on commit: called once with every event of one publish
    # Which events it wants, decided at publish: an after-commit handler stores no row for
    # the others.
    when: Callable[[dict], bool] | None = None

    def wants(self, event: "Event") -> bool:
        return self.when is None or self.when(event.payload)

    @property
    def key(self) -> str:
        return handler_key(self.handler)


_subscriptions: dict[EventName, list[Subscription]] = defaultdict(list)
_durable: dict[str, Handler] = {}

DELIVERIES = WorkQueue(
    EventDelivery,
    pending=EventDeliveryStatus.PENDING,
    claimed=EventDeliveryStatus.RUNNING,
    done=EventDeliveryStatus.DONE,
    failed=EventDeliveryStatus.FAILED,
    claim_seconds=lambda: settings.HELPLINE_EVENT_CLAIM_SECONDS,
    max_attempts=lambda: settings.HELPLINE_EVENT_MAX_ATTEMPTS,
    retry_seconds=lambda: settings.HELPLINE_EVENT_RETRY_SECONDS,
)


def handler_key(handler: Handler) -> str:
    """Where the handler lives: the name its stored deliveries are run by."""
    name = getattr(handler, "__qualname__", type(handler).__qualname__)
    return f"{handler.__module__}.{name}"


def subscribe(
    name: EventName,
    handler: Handler,
    *,
    phase: Phase,
    many: bool = False,
    when: Callable[[dict], bool] | None = None,
) -> None:
    """Call `handler(event)` for each `name` event whose payload `when` accepts (all without
    it); `handler(events)`, once per publish, with `many`.

    Subscribing the same handler twice changes nothing, so `ready()` may run again.
    """
    name, phase = EventName(name), Phase(phase)
    if many and phase == Phase.AFTER_COMMIT:
        raise ValueError("a durable handler takes one event at a time")
    subscription = Subscription(name, handler, phase, many, when)
    if any(s.key == subscription.key for s in _subscriptions[name]):
        return
    _subscriptions[name].append(subscription)
    if phase == Phase.AFTER_COMMIT:
        _durable[subscription.key] = handler


def unsubscribe(name: EventName, handler: Handler) -> None:
    key = handler_key(handler)
    _subscriptions[EventName(name)] = [s for s in _subscriptions[name] if s.key != key]
    if not any(s.key == key for subs in _subscriptions.values() for s in subs):
        _durable.pop(key, None)


def subscriptions(name: EventName | None = None) -> list[Subscription]:
    """Who listens to what: one event's, or everything's (for the docs and the tests)."""
    if name is not None:
        return list(_subscriptions[EventName(name)])
    return [s for subs in _subscriptions.values() for s in subs]


def publish(name: EventName, **payload) -> dict[str, object]:
    """Publish one event; what in-transaction handlers returned, by handler, when anything."""
    return publish_many(name, [payload])


def publish_many(name: EventName, payloads: Iterable[dict]) -> dict[str, object]:
    """Publish one event per payload, inside the transaction of their cause.

    In-transaction handlers run now (a `many` one once for all); each after-commit handler
    gets one stored delivery per event, sent to the worker when the transaction commits;
    on-commit handlers run in this process when (and if) the transaction commits.
    """
    name = EventName(name)
    events = [Event(name, payload) for payload in payloads]
    if not events:
        return {}
    if not connection.in_atomic_block:
        raise RuntimeError(f"publish {name} inside the transaction that caused it")
    results: dict[str, object] = {}
    durable = []
    for subscription in _subscriptions[name]:
        wanted = [event for event in events if subscription.wants(event)]
        if not wanted:
            continue
        if subscription.phase == Phase.AFTER_COMMIT:
            durable += [(subscription, event) for event in wanted]
        elif subscription.phase == Phase.ON_COMMIT:
            transaction.on_commit(partial(_run_on_commit, subscription, wanted))
        elif subscription.many:
            result = subscription.handler(wanted)
            if result is not None:
                results[subscription.key] = result
        else:
            for event in wanted:
                result = subscription.handler(event)
                if result is not None:
                    results[subscription.key] = result
    if durable:
        _store(durable)
    return results


def _run_on_commit(subscription: Subscription, events: list[Event]) -> None:
    """A best-effort handler, after the commit: a failure is logged, never raised."""
    try:
        if subscription.many:
            subscription.handler(events)
        else:
            for event in events:
                subscription.handler(event)
    except Exception:
        log.exception("on-commit handler %s of %s failed", subscription.key, events[0].name)


def _store(durable: list[tuple[Subscription, Event]]) -> None:
    now = timezone.now()
    rows = EventDelivery.objects.bulk_create(
        [
            EventDelivery(
                name=event.name,
                payload=event.payload,
                handler=subscription.key,
                next_attempt_at=now,
            )
            for subscription, event in durable
        ]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _wake_up.ring(ids))


def enqueue(ids: list[int]) -> None:
    from helpline.core.tasks import deliver_events

    try:
        deliver_events.delay(ids)
    except Exception:  # the broker is down: the beat sweep delivers them later
        log.exception("could not enqueue %d event deliveries", len(ids))


# The deliveries of the commits of 50 ms go to the worker in one task (doorbell.py).
_wake_up = Doorbell(enqueue, every=0.05)


def deliver(delivery_id: int) -> str:
    """Run one stored delivery if it is due and nobody has it; its status afterwards.

    The handler's writes and the row's "done" commit together: a worker that dies in
    between leaves neither, and the delivery is simply run again.
    """
    row = DELIVERIES.claim(delivery_id)
    if row is None:
        return "skipped"
    handler = _durable.get(row.handler)
    try:
        if handler is None:
            raise LookupError(f"no handler {row.handler} is subscribed any more")
        with transaction.atomic():
            handler(Event(EventName(row.name), row.payload, delivery_id=row.pk))
            DELIVERIES.finish(row, delivered_at=timezone.now())
    except Exception as exc:
        log.exception("event delivery %s (%s to %s) failed", row.pk, row.name, row.handler)
        return DELIVERIES.fail(row, f"{type(exc).__name__}: {exc}")
    return EventDeliveryStatus.DONE


def deliver_due(limit: int = 500) -> int:
    """Deliver what is due: lost tasks, retries, deliveries of workers that died."""
    ids = DELIVERIES.due_ids(limit)
    for delivery_id in ids:
        deliver(delivery_id)
    return len(ids)


def forget_delivered(older_than_days: int | None = None) -> int:
    days = settings.HELPLINE_EVENT_KEEP_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = EventDelivery.objects.filter(
        status=EventDeliveryStatus.DONE, delivered_at__lt=cutoff
    ).delete()
    return deleted
