"""The demo dataset: believable, complete, valid, and loaded only once."""

from datetime import timedelta

import phonenumbers
import pytest
from django.contrib.auth import authenticate
from django.db import models, transaction
from django.test import override_settings
from django.utils import timezone

from helpline.conversations.models import Channel, Conversation, Direction, Message, Status
from helpline.conversations.verbs import Verb
from helpline.core.models import Activity, Location, Mailbox, Role, Team, User
from helpline.customers.models import Customer, Identity, IdentityKind
from helpline.demo.load import DEMO_PASSWORD, DemoAlreadyLoaded, load_demo

MD5_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def loaded_demo(django_db_setup, django_db_blocker):
    """One demo for the module, in a transaction rolled back after its tests (as a Django
    TestCase's setUpTestData is): loading it took ten seconds a test on PostgreSQL. Each test
    runs in a savepoint inside it, so what one test changes the next does not see."""
    # The suite's function-scoped settings (tests/conftest.py) are not in force yet.
    fast_hashing = override_settings(PASSWORD_HASHERS=[MD5_HASHER])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        yield load_demo(customers=60, conversations=240, seed=7)
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded_demo, db):
    return loaded_demo


def test_it_creates_the_numbers_asked_for(demo):
    assert Customer.objects.count() == 60
    assert Conversation.objects.count() == 240
    assert Location.objects.count() == 3
    assert Team.objects.count() == 2
    assert Mailbox.objects.count() == 3
    assert User.objects.count() == 8
    assert demo.counts["conversations"] == 240


def test_its_locations_have_timezones_and_countries(demo):
    assert {(loc.country, loc.timezone) for loc in Location.objects.all()} == {
        ("GB", "Europe/London"),
        ("DE", "Europe/Berlin"),
        ("ES", "Europe/Madrid"),
    }


def test_its_staff_has_one_admin_managers_and_agents_of_one_or_two_locations(demo):
    roles = sorted(User.objects.values_list("role", flat=True))
    assert roles.count(Role.ADMIN) == 1
    assert 1 <= roles.count(Role.MANAGER) <= 2
    for agent in User.objects.filter(role=Role.AGENT):
        assert 1 <= agent.locations.count() <= 2


def test_the_demo_agents_log_in_with_the_demo_password(demo):
    assert authenticate(username="james", password=DEMO_PASSWORD) is not None
    assert authenticate(username="olivia", password=DEMO_PASSWORD).sees_everything


def test_it_uses_every_channel(demo):
    channels = set(Conversation.objects.values_list("channel", flat=True))
    assert {Channel.EMAIL, Channel.PHONE, Channel.WEB, Channel.WALK_IN} <= channels
    assert channels & {Channel.CHAT, Channel.SMS}


def test_customers_write_in_several_languages(demo):
    languages = {m.get("language") for m in Message.objects.values_list("meta", flat=True)}
    assert {"en", "de", "es"} <= languages
    assert Message.objects.filter(text__contains="Guten Tag").exists()
    assert Message.objects.filter(text__contains="Hola").exists()


def test_its_phone_numbers_are_valid_e164_and_its_addresses_reserved(demo):
    phones = Identity.objects.filter(kind=IdentityKind.PHONE).values_list("value", flat=True)
    assert phones
    for value in phones:
        number = phonenumbers.parse(value)
        assert phonenumbers.is_valid_number(number), value
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == value
    emails = Identity.objects.filter(kind=IdentityKind.EMAIL).values_list("value", flat=True)
    assert emails
    assert all(e == e.lower() for e in emails)
    assert all(e.rsplit("@", 1)[1] in {"example.com", "example.org", "example.net"} for e in emails)


def test_every_customer_can_be_reached(demo):
    for customer in Customer.objects.prefetch_related("identities"):
        kinds = {i.kind for i in customer.identities.all()}
        assert kinds & {IdentityKind.EMAIL, IdentityKind.PHONE}


def test_its_history_spreads_over_the_last_year_in_a_believable_order(demo):
    now = timezone.now()
    statuses = set()
    for conversation in Conversation.objects.prefetch_related("messages"):
        statuses.add(conversation.status)
        assert now - timedelta(days=366) < conversation.created_at < now
        messages = list(conversation.messages.all())
        assert messages[0].direction == Direction.INBOUND
        assert messages[0].created_at == conversation.created_at
        exchanged = [
            m for m in messages if m.direction != Direction.NOTE and "automatic" not in m.meta
        ]
        assert conversation.last_message_at == max(m.created_at for m in exchanged)
        if conversation.first_response_at:  # a call or visit is answered as it happens
            assert conversation.first_response_at >= conversation.created_at
        if conversation.status in (Status.SOLVED, Status.CLOSED):
            assert conversation.solved_at >= conversation.last_message_at
    assert {Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED} <= statuses
    spread = Conversation.objects.order_by("created_at")
    assert spread.last().created_at - spread.first().created_at > timedelta(days=180)


def test_it_has_notes_quoted_replies_tags_and_robots(demo):
    assert Message.objects.filter(direction=Direction.NOTE).exists()
    assert Message.objects.filter(full_text__contains="\n> ").exists()
    assert Conversation.objects.filter(tags__isnull=False).exists()
    assert Message.objects.filter(kind="auto_reply").exists()


def test_the_activity_log_shows_what_the_actions_would_have_recorded(demo):
    inbound = Message.objects.filter(direction=Direction.INBOUND).count()
    replies = Message.objects.filter(direction=Direction.OUTBOUND, kind="normal").exclude(
        meta__has_key="appointment_id"  # an invitation is mail we sent, not a reply
    )
    assert Activity.objects.filter(verb=Verb.MESSAGE_RECEIVED).count() == inbound
    # A call we made is logged as a contact, every other answer is a reply.
    calls = replies.filter(channel=Channel.PHONE).count()
    assert Activity.objects.filter(verb=Verb.REPLIED).count() == replies.count() - calls
    assert Activity.objects.filter(verb=Verb.CONTACT_LOGGED).count() == calls
    assert Activity.objects.filter(verb=Verb.CREATED).count() == 240
    reply = Activity.objects.filter(verb=Verb.REPLIED).order_by("created_at").first()
    message = Message.objects.get(pk=reply.data["message_id"])
    assert reply.subject_id == message.conversation_id
    assert reply.created_at == message.created_at
    assert reply.actor == message.author


def test_it_refuses_to_load_a_second_time(demo):
    with pytest.raises(DemoAlreadyLoaded):
        load_demo(customers=5, conversations=5)
    assert Customer.objects.count() == 60


def test_it_keeps_promises_hours_service_levels_lines_and_calls_to_return(demo):
    from helpline.callbacks.models import Callback, CallbackStatus
    from helpline.channels.phone.models import PhoneLine
    from helpline.conversations.models import OPEN_STATUSES, Wait
    from helpline.hours.models import Closure, OpeningHours
    from helpline.sla.models import SlaPolicy

    for location in Location.objects.all():
        assert OpeningHours.objects.filter(location=location).count() == 6
        assert PhoneLine.objects.filter(location=location).exists()
    assert Closure.objects.filter(location__country="DE").count() == 1
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == [
        "Urgent",
        "Calls and visits",
        "Everything else",
    ]
    running = Conversation.objects.filter(status__in=[Status.NEW, Status.OPEN])
    assert running.exists()
    assert not running.filter(sla_policy__isnull=True).exists()
    assert running.filter(sla_due_at__isnull=False).exists()
    # Waits count business time: answered ones overnight waited less of it than wall time.
    answered = Wait.objects.filter(answered_at__isnull=False)
    assert answered.filter(business_seconds__lt=models.F("wall_seconds")).exists()
    callbacks = Callback.objects.filter(status=CallbackStatus.OPEN)
    assert 1 <= callbacks.count() <= 6
    assert all(c.conversation.status in OPEN_STATUSES for c in callbacks)
    assert demo.counts["callbacks"] == Callback.objects.count()


def test_the_desk_it_opens_on_is_today_s_desk(demo):
    """A newcomer's first look: open work waited minutes to days, some of it is late,
    calls to return in every state, appointments ahead, a delivery that failed."""
    from helpline.appointments.models import Appointment
    from helpline.callbacks.models import Callback, CallbackStatus
    from helpline.channels.email.models import OutboundEmail, OutboxStatus
    from helpline.conversations.models import OPEN_STATUSES

    now = timezone.now()
    waiting = Conversation.objects.filter(status__in=OPEN_STATUSES)
    assert waiting.count() >= 3
    assert not waiting.filter(waiting_since__lt=now - timedelta(days=14)).exists()
    assert waiting.filter(waiting_since__gt=now - timedelta(days=4)).exists()
    late = waiting.filter(sla_due_at__lt=now).count()
    assert 0 < late < waiting.count()
    states = set(Callback.objects.values_list("status", flat=True))
    assert {CallbackStatus.OPEN, CallbackStatus.DONE, CallbackStatus.FAILED} <= states
    assert Appointment.objects.filter(starts_at__gt=now).exists()
    failed = OutboundEmail.objects.filter(status=OutboxStatus.FAILED)
    assert failed.exists()
    assert all("refused" in row.last_error for row in failed)
    from helpline.conversations.models import CannedReply

    assert CannedReply.objects.filter(location__isnull=True).count() >= 4
    assert CannedReply.objects.filter(location__country="DE").exists()


def test_its_customers_words_are_read_and_themed(demo):
    from helpline.insights.models import Text, Theme

    read = Text.objects.filter(scored_at__isnull=False)
    assert demo.counts["texts read"] == read.count() > 100
    assert read.filter(compound__lt=-0.05).exists() and read.filter(compound__gt=0.05).exists()
    assert read.filter(compound__isnull=True).exclude(language="en").exists()  # German, French…
    assert demo.counts["themes"] == Theme.objects.filter(merged_into__isnull=True).count() >= 2
    assert read.filter(theme__isnull=False).count() == read.count()


def test_it_has_recovery_cases_in_every_state(demo):
    from helpline.recovery.models import RecoveryCase, RootCause

    cases = RecoveryCase.objects.all()
    assert demo.counts["recovery cases"] == cases.count() > 10
    assert cases.filter(status="open", steps__isnull=True).exists()
    assert cases.filter(status="open", steps__step="acknowledge").exists()
    assert {"waiting", "recovered", "not_recovered"} <= set(cases.values_list("outcome", flat=True))
    joined = cases.annotate(n=models.Count("triggers")).filter(n__gte=2)
    assert joined.exists()  # a second trigger joined an open case
    assert RootCause.objects.count() >= 4
    assert all(case.owner is not None for case in cases.filter(location__isnull=False))


def test_it_shows_where_the_time_goes(demo):
    from helpline.timeaudit import figures
    from helpline.timeaudit.models import Source, TimeEntry

    entries = TimeEntry.objects.all()
    assert demo.counts["time entries"] == entries.count() > 100
    assert {Source.AUTOMATIC, Source.MANUAL, Source.CALENDAR} == set(
        entries.values_list("source", flat=True)
    )
    assert entries.filter(kind="reply").exists() and entries.filter(title="Morning stand-up")
    agent = User.objects.filter(role=Role.AGENT, time_entries__kind="reply").first()
    last_week = figures.monday(timezone.localdate()) - timedelta(weeks=1)
    week = figures.week([agent.pk], last_week, agent.zone())
    assert 0 < week.share.customer_seconds < week.share.total_seconds
    assert any(task.recurring and not task.customer_impacting for task in week.tasks)


def test_its_staff_answered_the_self_assessment_so_the_candor_page_has_a_gap(demo):
    from helpline.reports import perception
    from helpline.reports.models import SelfAssessment

    answers = SelfAssessment.objects.all()
    assert demo.counts["self-assessments"] == answers.count() > 0
    start, end = perception.period_of(timezone.localdate())
    team = answers.filter(period_start=start).values_list("team", flat=True).first()
    group = perception.gap(
        start, end, perception.Scope(None), team=perception.Team.objects.get(pk=team)
    )
    assert group.shown and group.largest is not None
    # The facts the measured side reads are there without waiting for a worker.
    from helpline.conversations.models import Conversation
    from helpline.reports.models import ConversationFact

    assert ConversationFact.objects.count() == Conversation.objects.count()


def test_what_customers_say_has_every_figure(demo):
    """The report's every headline stands on something: CSAT, NPS and CES answers (after a
    contact, a visit, a call), surveys sent, scored messages, themes, recovery outcomes."""
    from helpline.reports import figures
    from helpline.reports.figures import Filters, Scope

    today = timezone.localdate()
    f = Filters(today - timedelta(days=89), today, Scope(None))
    shown = {figure.key: figure.n for figure in figures.say_headlines(f)}
    assert all(shown.values()), shown
    themes = next(t for t in figures.say_tables(f) if t.name == "themes")
    assert len(themes.rows) >= 2
