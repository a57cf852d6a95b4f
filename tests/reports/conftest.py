"""Generated history for the reports: conversations, messages, waits and SLA breaches
written straight into the source tables (dates spread over two months, three places),
then the facts rebuilt from them."""

import random
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.conversations.models import (
    Channel,
    Conversation,
    Direction,
    Message,
    MessageKind,
    Status,
    Tag,
    Wait,
)
from helpline.core.models import Role, Team, User
from helpline.customers.models import Customer
from helpline.reports import actions
from helpline.sla.models import SlaEvent, SlaPolicy

SIZE = 160


@dataclass
class History:
    north: object
    south: object
    admin: User
    manager: User  # North Street's
    nora: User  # an agent at North Street
    olga: User  # another agent at North Street
    sam: User  # an agent at South Mall
    team: Team
    conversations: list


def _add_user(name, role, *locations):
    user = User.objects.create_user(name, f"{name}@shop.test", "pw", role=role, first_name=name)
    user.locations.add(*locations)
    return user


def make_history(north, south, admin, seed: int = 7, size: int = SIZE) -> History:
    rng = random.Random(seed)
    now = timezone.now()
    manager = _add_user("mona", Role.MANAGER, north)
    nora = _add_user("nora", Role.AGENT, north)
    olga = _add_user("olga", Role.AGENT, north)
    sam = _add_user("sam", Role.AGENT, south)
    team = Team.objects.create(name="Counter", location=north)
    other_team = Team.objects.create(name="Phones")
    policy = SlaPolicy.objects.create(name="Everyone", first_response_minutes=60)
    refund, _ = Tag.objects.get_or_create(name="refund")
    places = [
        (north, [nora, olga, None], [team, other_team, None]),
        (south, [sam, None], [other_team, None]),
        (None, [None], [None]),
    ]
    customers = Customer.objects.bulk_create([Customer(name=f"Customer {i}") for i in range(size)])
    conversations = []
    for i in range(size):
        location, agents, teams = rng.choice(places[:2] * 3 + places[2:])
        created = now - timedelta(seconds=rng.randint(0, 60 * 86400))
        status = rng.choice(list(Status.values))
        solved_at = None
        if status in (Status.SOLVED, Status.CLOSED):
            solved_at = created + timedelta(seconds=rng.randint(60, 6 * 86400))
            if solved_at > now:
                solved_at = now
        conversations.append(
            Conversation(
                subject=f"Generated {i}",
                status=status,
                channel=rng.choice(list(Channel.values)),
                customer=customers[i],
                location=location,
                team=rng.choice(teams),
                assignee=rng.choice(agents),
                created_at=created,
                last_message_at=created,
                solved_at=solved_at,
                sla_policy=policy if rng.random() < 0.6 else None,
            )
        )
    conversations = Conversation.objects.bulk_create(conversations)
    messages, waits, breaches = [], [], []
    for c in conversations:
        at = c.created_at
        if rng.random() < 0.2:  # we started it
            messages.append(_message(c, Direction.OUTBOUND, at))
            at += timedelta(seconds=rng.randint(60, 86400))
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
            if at > timezone.now():
                break
            inbound = _message(
                c,
                Direction.INBOUND,
                at,
                rng.choice([MessageKind.NORMAL] * 5 + [MessageKind.AUTO_REPLY]),
            )
            messages.append(inbound)
            if inbound.kind == MessageKind.NORMAL:
                waits.append(inbound)
            at += timedelta(seconds=rng.randint(30, 2 * 86400))
            if rng.random() < 0.7 and at < timezone.now():
                messages.append(_message(c, Direction.OUTBOUND, at))
                at += timedelta(seconds=rng.randint(30, 86400))
        for clock in ("response", "resolution"):
            if c.sla_policy_id and rng.random() < 0.25:
                breaches.append(
                    SlaEvent(conversation=c, kind="breach", clock=clock, due_at=c.created_at)
                )
    Message.objects.bulk_create(messages)
    wait_rows = []
    for inbound in waits:
        answered = rng.random() < 0.75
        wall = rng.randint(0, 3 * 86400)
        helped = (
            rng.randint(0, 1800)
            if inbound.channel in (Channel.PHONE, Channel.WALK_IN) and rng.random() < 0.6
            else None
        )
        wait_rows.append(
            Wait(
                message=inbound,
                conversation=inbound.conversation,
                location_id=inbound.conversation.location_id,
                channel=inbound.channel,
                started_at=inbound.created_at,
                answered_at=inbound.created_at + timedelta(seconds=wall) if answered else None,
                wall_seconds=wall if answered else None,
                business_seconds=rng.randint(0, wall) if answered else None,
                helped_after_seconds=helped,
            )
        )
    Wait.objects.bulk_create(wait_rows)
    SlaEvent.objects.bulk_create(breaches)
    for c in conversations[::3]:
        c.tags.add(refund)
    _promises(rng, conversations, now)
    actions.rebuild_rollups()
    return History(north, south, admin, manager, nora, olga, sam, team, conversations)


def _message(conversation, direction, at, kind=MessageKind.NORMAL):
    return Message(
        conversation=conversation,
        channel=conversation.channel,
        direction=direction,
        kind=kind,
        text="Hello",
        created_at=at,
    )


@pytest.fixture
def history(north, south, admin):
    return make_history(north, south, admin)


def _promises(rng, conversations, now) -> None:
    """Callbacks with their tries and appointments with their outcomes, on a third of the
    conversations that have a location."""
    from helpline.appointments.models import Appointment
    from helpline.callbacks.models import Callback, CallbackAttempt

    placed = [c for c in conversations if c.location_id][::3]
    callbacks = Callback.objects.bulk_create(
        [
            Callback(
                customer_id=c.customer_id,
                conversation=c,
                location_id=c.location_id,
                phone_number=f"+4477009{i:05d}",
                reason=rng.choice(["missed_call", "voicemail", "requested", "abandoned_call"]),
                status=rng.choice(["open", "done", "failed", "closed"]),
                due_at=c.created_at,
                max_attempts=3,
                assignee=c.assignee,
                created_at=c.created_at,
            )
            for i, c in enumerate(placed)
        ]
    )
    tries = []
    for callback in callbacks:
        at = callback.created_at
        for _ in range(rng.randint(0, 3)):
            at += timedelta(seconds=rng.randint(60, 86400))
            tries.append(
                CallbackAttempt(
                    callback=callback,
                    outcome=rng.choice(["reached", "no_answer", "busy", "left_message"]),
                    at=at,
                )
            )
    CallbackAttempt.objects.bulk_create(tries)
    Appointment.objects.bulk_create(
        [
            Appointment(
                customer_id=c.customer_id,
                conversation=c,
                location_id=c.location_id,
                kind=rng.choice(["callback", "in_store"]),
                starts_at=c.created_at + timedelta(days=1),
                ends_at=c.created_at + timedelta(days=1, minutes=30),
                agent=c.assignee,
                status=rng.choice(["booked", "attended", "missed", "missed_by_us", "cancelled"]),
                created_at=c.created_at,
                uid=f"generated-{c.pk}@shop.test",
            )
            for c in placed
        ]
    )


@dataclass
class Voice:
    themes: list
    merged: object  # a theme merged into themes[0]: its texts count there


def make_voice(history: History, seed: int = 11) -> Voice:
    """What the customers said about the generated history, written straight into the
    source tables: surveys sent and answered (CSAT, NPS, CES; a few at the walk-in kiosk,
    without a conversation), their messages' and comments' sentiment and themes, and
    recovery cases with their outcomes, over the last two months."""
    from helpline.feedback.models import Answer, Survey
    from helpline.insights.models import Source, Text, Theme
    from helpline.recovery.models import RecoveryCase

    rng = random.Random(seed)
    now = timezone.now()
    themes = [
        Theme.objects.create(name=name, created_at=now)
        for name in ("repair · delay", "refund · money", "staff · friendly", "delivery · late")
    ]
    merged = Theme.objects.create(name="late · courier", created_at=now, merged_into=themes[3])
    scales = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
    surveys = []
    for i, c in enumerate(history.conversations):
        if rng.random() < 0.3:
            continue
        status = rng.choice(["sent", "answered", "answered", "withdrawn", "scheduled", "skipped"])
        sent = None
        if status in ("sent", "answered", "withdrawn"):
            sent = now - timedelta(seconds=rng.randint(0, 60 * 86400))
        surveys.append(
            Survey(
                kind=rng.choice(["csat", "csat", "nps", "ces"]),
                purpose=rng.choice(["contact"] * 5 + ["recovery_followup"]),
                status=status,
                cause=f"generated:{i}",
                customer_id=c.customer_id,
                conversation=c,
                location_id=c.location_id,
                sent_at=sent,
            )
        )
    for i in range(12):  # the walk-in kiosk: answered on the spot, never sent
        surveys.append(
            Survey(
                kind="csat",
                purpose="kiosk",
                status="answered",
                cause=f"kiosk:{i}",
                location=history.north,
            )
        )
    surveys = Survey.objects.bulk_create(surveys)
    answers = []
    for survey in surveys:
        if survey.status != "answered":
            continue
        c = survey.conversation
        at = (survey.sent_at or now) - timedelta(seconds=rng.randint(0, 20 * 86400))
        if survey.sent_at:
            at = min(now, survey.sent_at + timedelta(seconds=rng.randint(60, 5 * 86400)))
        answers.append(
            Answer(
                survey=survey,
                kind=survey.kind,
                score=rng.randint(*scales[survey.kind]),
                comment="It took a while" if rng.random() < 0.4 else "",
                customer_id=survey.customer_id,
                conversation=c,
                location_id=survey.location_id,
                team_id=c.team_id if c else None,
                agent_id=c.assignee_id if c else None,
                answered_at=at,
            )
        )
    answers = Answer.objects.bulk_create(answers)
    compounds = [-0.9, -0.3, -0.05, -0.0499, 0.0, 0.02, 0.05, 0.4, 0.8, None]
    texts = []
    for message in Message.objects.filter(
        direction=Direction.INBOUND, kind=MessageKind.NORMAL, conversation__in=history.conversations
    ).select_related("conversation"):
        compound = rng.choice(compounds)
        texts.append(
            Text(
                source=Source.MESSAGE,
                source_id=message.pk,
                message=message,
                conversation=message.conversation,
                customer_id=message.conversation.customer_id,
                location_id=message.conversation.location_id,
                written_at=message.created_at,
                language="unknown" if compound is None else "en",
                compound=compound,
                theme=rng.choice([*themes, None]),
            )
        )
    for answer in answers:
        if answer.comment:
            texts.append(
                Text(
                    source=Source.SURVEY_ANSWER,
                    source_id=answer.pk,
                    comment=answer.comment,
                    conversation_id=answer.conversation_id,
                    customer_id=answer.customer_id,
                    location_id=answer.location_id,
                    written_at=answer.answered_at,
                    language="en",
                    compound=rng.choice(compounds),
                    theme=rng.choice([*themes, None]),
                )
            )
    Text.objects.bulk_create(texts)
    cases = []
    for c in history.conversations[1::3]:
        closed = now - timedelta(seconds=rng.randint(0, 60 * 86400))
        still_open = rng.random() < 0.15
        cases.append(
            RecoveryCase(
                customer_id=c.customer_id,
                conversation=c,
                location_id=c.location_id,
                owner=c.assignee,
                status="open" if still_open else "closed",
                opened_at=closed - timedelta(days=2),
                due_at=closed,
                closed_at=None if still_open else closed,
                outcome=""
                if still_open
                else rng.choice(["recovered", "recovered", "not_recovered", "unknown", "waiting"]),
            )
        )
    RecoveryCase.objects.bulk_create(cases)
    return Voice(themes, merged)


@pytest.fixture
def voice(history):
    return make_voice(history)
