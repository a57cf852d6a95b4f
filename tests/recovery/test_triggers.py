"""Each rule opens exactly one case, a second trigger joins the open one, each event counts
once, and a rule switched off at a location opens nothing."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from helpline.appointments import actions as appointment_actions
from helpline.appointments.models import Appointment
from helpline.callbacks import actions as callback_actions
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Conversation
from helpline.core.events import EventName
from helpline.recovery import actions
from helpline.recovery.models import CaseStatus, RecoveryCase, RecoveryTrigger, TriggerKind
from helpline.sla import escalation
from helpline.sla.models import SlaPolicy
from tests.desk.conftest import write_in
from tests.recovery.conftest import answered, deliver, emit, scored, themed

pytestmark = pytest.mark.django_db


def kinds(customer) -> list[str]:
    case = RecoveryCase.objects.get(customer=customer, status=CaseStatus.OPEN)
    return sorted(case.triggers.values_list("kind", flat=True))


@pytest.mark.parametrize(
    "kind,bad,good",
    [("csat", 2, 3), ("nps", 6, 7), ("ces", 3, 4)],
)
def test_a_low_score_opens_a_case_and_a_fair_one_does_not(maria_conversation, kind, bad, good):
    answered(maria_conversation, kind, good)
    assert RecoveryCase.objects.count() == 0
    answered(maria_conversation, kind, bad)
    case = RecoveryCase.objects.get()
    assert case.customer_id == maria_conversation.customer_id
    assert case.conversation_id == maria_conversation.pk
    assert kinds(case.customer) == [f"low_{kind}"]
    assert case.follow_up_kind == ("csat" if kind == "csat" else kind)


def test_a_second_trigger_joins_the_open_case(maria_conversation):
    answered(maria_conversation, "csat", 1)
    scored(maria_conversation, -0.8)
    assert RecoveryCase.objects.count() == 1
    assert kinds(maria_conversation.customer) == ["low_csat", "negative_message"]


def test_the_same_event_delivered_twice_counts_once(maria_conversation):
    payload = answered(maria_conversation, "csat", 1)
    emit(EventName.SURVEY_ANSWERED, **payload)  # at least once: here, twice
    assert RecoveryTrigger.objects.count() == 1


def test_a_changed_answer_from_good_to_bad_opens_one(maria_conversation):
    payload = answered(maria_conversation, "csat", 5)
    emit(EventName.SURVEY_ANSWERED, **{**payload, "score": 1, "changed": True})
    emit(EventName.SURVEY_ANSWERED, **{**payload, "score": 2, "changed": True})
    assert RecoveryTrigger.objects.count() == 1


def test_a_kiosk_answer_opens_nothing(maria_conversation):
    answered(None, "csat", 1, location_id=maria_conversation.location_id)
    assert RecoveryCase.objects.count() == 0


def test_a_negative_message_at_the_threshold(maria_conversation):
    scored(maria_conversation, -0.59)
    scored(maria_conversation, None)  # a language no model covers
    scored(maria_conversation, -0.9, source="survey_answer")  # comments count through scores
    assert RecoveryCase.objects.count() == 0
    scored(maria_conversation, -0.6)
    assert kinds(maria_conversation.customer) == ["negative_message"]


def test_a_rule_switched_off_or_tuned_at_the_location(maria_conversation, north, admin):
    actions.set_rules(admin, north, low_csat=False, compound_at_most="-0.9")
    answered(maria_conversation, "csat", 1)
    scored(maria_conversation, -0.8)
    assert RecoveryCase.objects.count() == 0
    scored(maria_conversation, -0.95)
    assert kinds(maria_conversation.customer) == ["negative_message"]


def test_a_bad_threshold_is_refused_naming_the_field(north, admin):
    from helpline.core.errors import ActionError

    with pytest.raises(ActionError) as refused:
        actions.set_rules(admin, north, csat_at_most=9)
    assert refused.value.field == "csat_at_most"
    with pytest.raises(ActionError) as refused:
        actions.set_rules(admin, north, colour="red")
    assert refused.value.field == "colour"


def test_an_sla_resolution_breach(north, mailbox):
    SlaPolicy.objects.create(name="All", resolution_minutes=60, first_response_minutes=600)
    conversation = write_in(north, "maria@example.com", "Late", minutes_ago=90)
    result = escalation.scan()
    assert any(e.kind == "breach" and e.clock == "resolution" for e in result.events)
    deliver()
    assert kinds(conversation.customer) == ["sla_breach"]
    escalation.scan()  # nothing new is breached: nothing new is triggered
    deliver()
    assert RecoveryTrigger.objects.count() == 1


def test_a_response_breach_alone_opens_nothing(north, mailbox):
    SlaPolicy.objects.create(name="All", first_response_minutes=60)
    write_in(north, "maria@example.com", "Late", minutes_ago=90)
    assert escalation.scan().events
    deliver()
    assert RecoveryCase.objects.count() == 0


def test_a_callback_that_never_connected(maria_conversation, agent_north):
    customer = maria_conversation.customer
    callback = callback_actions.create_callback(
        agent_north, customer, "+447700900123", "requested", conversation=maria_conversation
    )
    for _ in range(settings.HELPLINE_CALLBACK_MAX_ATTEMPTS - 1):
        callback = callback_actions.record_attempt(agent_north, callback, "no_answer")
    deliver()
    assert RecoveryCase.objects.count() == 0
    callback_actions.record_attempt(agent_north, callback, "no_answer")
    deliver()
    assert kinds(customer) == ["callback_failed"]


def test_a_wrong_number_is_not_our_failure(maria_conversation, agent_north):
    callback = callback_actions.create_callback(
        agent_north, maria_conversation.customer, "+447700900123", "requested"
    )
    callback_actions.record_attempt(agent_north, callback, "wrong_number")
    deliver()
    assert RecoveryCase.objects.count() == 0


@pytest.mark.parametrize("outcome,opens", [("missed", False), ("missed_by_us", True)])
def test_an_appointment_missed_on_our_side(maria_conversation, agent_north, outcome, opens):
    customer = maria_conversation.customer
    starts = timezone.now() + timedelta(days=3)
    appointment = appointment_actions.book(
        agent_north, customer, "callback", starts, phone_number="+447700900123"
    )
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - timedelta(hours=2),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    appointment_actions.record_outcome(agent_north, appointment, outcome)
    deliver()
    assert RecoveryCase.objects.exists() is opens
    if opens:
        assert kinds(customer) == ["appointment_missed"]


def test_a_customer_who_waited_too_long(north, mailbox, admin):
    actions.set_rules(admin, north, long_wait_minutes=120)
    waiting = write_in(north, "maria@example.com", "Hello?", minutes_ago=150)
    write_in(north, "otto@example.com", "Hi", minutes_ago=60)
    assert actions.scan_long_waits() == 1
    assert actions.scan_long_waits() == 0  # told once per wait
    assert kinds(waiting.customer) == ["long_wait"]
    assert RecoveryCase.objects.count() == 1


def test_the_told_do_not_hide_the_untold_and_a_new_wait_is_told_again(north, mailbox, admin):
    actions.set_rules(admin, north, long_wait_minutes=120)
    maria = write_in(north, "maria@example.com", "Hello?", minutes_ago=300)
    otto = write_in(north, "otto@example.com", "Hi?", minutes_ago=200)

    assert actions.scan_long_waits(limit=1) == 1  # Maria, who waited longest
    assert actions.scan_long_waits(limit=1) == 1  # Otto: Maria, told, takes no place
    assert actions.scan_long_waits() == 0
    # Told three hours ago; then we answered her, she wrote again and waits too long again.
    now = timezone.now()
    RecoveryTrigger.objects.filter(conversation=maria).update(at=now - timedelta(minutes=180))
    Conversation.objects.filter(pk=maria.pk).update(waiting_since=now - timedelta(minutes=150))
    assert actions.scan_long_waits() == 1

    told = RecoveryTrigger.objects.filter(kind="long_wait")
    assert sorted(told.values_list("conversation_id", flat=True)) == sorted(
        [maria.pk, maria.pk, otto.pk]
    )


def test_a_long_wait_counts_business_time_only(north, mailbox, admin):
    from datetime import time

    from helpline.hours import actions as hours_actions

    # Open one minute a day: three hours of wall time are barely any business time.
    hours_actions.set_opening_hours(None, north, [(d, time(3, 0), time(3, 1)) for d in range(7)])
    write_in(north, "maria@example.com", "Hello?", minutes_ago=180)
    assert actions.scan_long_waits() == 0


def test_a_repeat_contact_on_the_same_theme_within_seven_days(north, mailbox, agent_north):
    first = write_in(north, "maria@example.com", "Late parcel", minutes_ago=3 * 24 * 60)
    themed(first, 7)
    conversation_actions.solve(agent_north, first)
    Conversation.objects.filter(pk=first.pk).update(solved_at=timezone.now() - timedelta(days=2))
    other = write_in(north, "maria@example.com", "Wrong size", minutes_ago=10)
    themed(other, 8, "sizes")
    assert RecoveryCase.objects.count() == 0
    again = write_in(north, "maria@example.com", "Still late", minutes_ago=5)
    themed(again, 7)
    themed(again, 7)  # told twice
    assert kinds(first.customer) == ["repeat_contact"]
    trigger = RecoveryTrigger.objects.get()
    assert trigger.conversation_id == again.pk
    assert trigger.detail["earlier_conversation_id"] == first.pk


def test_a_repeat_after_more_than_seven_days_is_not_one(north, mailbox, agent_north):
    first = write_in(north, "maria@example.com", "Late parcel", minutes_ago=20 * 24 * 60)
    themed(first, 7)
    conversation_actions.solve(agent_north, first)
    Conversation.objects.filter(pk=first.pk).update(solved_at=timezone.now() - timedelta(days=8))
    again = write_in(north, "maria@example.com", "Still late", minutes_ago=5)
    themed(again, 7)
    assert RecoveryCase.objects.count() == 0


def test_a_closed_case_lets_a_new_one_open(maria_conversation, agent_north, cause):
    answered(maria_conversation, "csat", 1)
    case = RecoveryCase.objects.get()
    actions.record_step(agent_north, case, "acknowledge")
    actions.close(agent_north, case, cause.pk, "New courier")
    scored(maria_conversation, -0.9)
    assert RecoveryCase.objects.count() == 2
    assert RecoveryCase.objects.filter(status="open").count() == 1


def test_the_owner_is_the_locations_lead_else_its_manager(maria_conversation, lead, admin):
    from helpline.core.models import Team

    answered(maria_conversation, "csat", 1)
    assert RecoveryCase.objects.get().owner == lead  # North Street's manager
    RecoveryCase.objects.all().delete()
    nora_team = Team.objects.create(name="Desk", location=maria_conversation.location, lead=admin)
    answered(maria_conversation, "csat", 1)
    assert RecoveryCase.objects.get().owner == nora_team.lead


def test_the_first_touch_is_due_in_four_business_hours(maria_conversation, north):
    from datetime import time

    from helpline.hours import actions as hours_actions
    from helpline.hours.calendar import calendar_for

    hours_actions.set_opening_hours(None, north, [(d, time(9), time(17)) for d in range(5)])
    answered(maria_conversation, "csat", 1)
    case = RecoveryCase.objects.get()
    calendar = calendar_for(north)
    assert case.due_at == calendar.add(case.opened_at, timedelta(hours=4))
    assert calendar.elapsed(case.opened_at, case.due_at) == timedelta(hours=4)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("same_event", [True, False], ids=["same-event", "two-triggers"])
def test_two_workers_at_once_make_one_case(north, mailbox, same_event):
    """Twenty customers; two workers handle their events at the same moment."""
    conversations = [write_in(north, f"c{i}@example.com", "Late") for i in range(20)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            start.wait()
            for conversation in conversations:
                key = "same" if same_event else f"w{slot}"
                with transaction.atomic():
                    actions.trigger(
                        TriggerKind.LOW_CSAT if slot == 0 or same_event else TriggerKind.LOW_NPS,
                        key=f"survey:{conversation.pk}:{key}",
                        customer_id=conversation.customer_id,
                        conversation_id=conversation.pk,
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RecoveryCase.objects.count() == 20
    per_case = 1 if same_event else 2
    assert RecoveryTrigger.objects.count() == 20 * per_case
    for case in RecoveryCase.objects.all():
        assert case.triggers.count() == per_case


def test_the_database_refuses_a_second_open_case(maria_conversation):
    from django.db import IntegrityError

    answered(maria_conversation, "csat", 1)
    case = RecoveryCase.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        RecoveryCase.objects.create(
            customer=case.customer, opened_at=case.opened_at, due_at=case.due_at
        )


def test_a_follow_up_answer_without_a_case_is_harmless(maria_conversation):
    answered(maria_conversation, "csat", 1, purpose="recovery_followup", case_id=None)
    assert RecoveryCase.objects.count() == 0


def test_a_mild_message_stores_no_delivery_for_recovery(maria_conversation, north, admin):
    from helpline.core.models import EventDelivery

    mine = EventDelivery.objects.filter(handler__startswith="helpline.recovery.")
    scored(maria_conversation, -0.3)
    assert not mine.exists()
    actions.set_rules(admin, north, compound_at_most="-0.2")  # one location is stricter
    scored(maria_conversation, -0.3)
    assert mine.count() == 1
    assert kinds(maria_conversation.customer) == ["negative_message"]


def test_a_merge_leaves_one_open_case_with_every_trigger(north, mailbox, admin):
    from helpline.customers import actions as customer_actions

    maria = write_in(north, "maria@example.com", "Late")
    other = write_in(north, "maria.work@example.com", "Still late")
    answered(maria, "csat", 1)
    scored(other, -0.9)
    actions.record_step(admin, RecoveryCase.objects.get(customer=other.customer), "acknowledge")
    customer_actions.merge(admin, other.customer, maria.customer)
    case = RecoveryCase.objects.get()
    assert case.customer == maria.customer and case.status == "open"
    assert kinds(maria.customer) == ["low_csat", "negative_message"]
    assert case.steps_done() == {"acknowledge"}
