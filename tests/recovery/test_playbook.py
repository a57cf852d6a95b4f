"""A case's playbook, who did each step and when, closing with its reason, and whether the
follow-up survey said the customer was won back."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from helpline.core.errors import ActionError
from helpline.core.events import EventName, Phase, subscribe, unsubscribe
from helpline.core.models import Activity
from helpline.recovery import actions
from helpline.recovery.models import Outcome, RecoveryCase, RootCause
from tests.recovery.conftest import answered

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Every recovery event, as a subscriber in the transaction hears it."""
    events: list = []

    def hear(event):
        events.append(event)

    for name in (EventName.RECOVERY_OPENED, EventName.RECOVERY_STEP, EventName.RECOVERY_CLOSED):
        subscribe(name, hear, phase=Phase.IN_TRANSACTION)
    yield events
    for name in (EventName.RECOVERY_OPENED, EventName.RECOVERY_STEP, EventName.RECOVERY_CLOSED):
        unsubscribe(name, hear)


@pytest.fixture
def case(maria_conversation, heard, lead):
    answered(maria_conversation, "csat", 1)
    return RecoveryCase.objects.get()


def refused(field, *args, **kwargs):
    with pytest.raises(ActionError) as error:
        args[0](*args[1:], **kwargs)
    assert error.value.field == field, str(error.value)
    return str(error.value)


def test_opening_is_published(case, heard, lead):
    (opened,) = heard
    assert opened.name == EventName.RECOVERY_OPENED
    assert opened.payload == {
        "case_id": case.pk,
        "customer_id": case.customer_id,
        "conversation_id": case.conversation_id,
        "location_id": case.location_id,
        "owner_id": lead.pk,
        "triggers": ["low_csat"],
    }


def test_steps_in_order_each_with_who_and_when(case, agent_north, heard):
    assert "first “Acknowledge" in refused("step", actions.record_step, agent_north, case, "fix")
    before = timezone.now()
    actions.record_step(agent_north, case, "acknowledge", "Called her, said sorry")
    actions.record_step(agent_north, case, "fix", "Sent a new parcel")
    # Amends may be skipped.
    actions.record_step(agent_north, case, "follow_up")
    refused("step", actions.record_step, agent_north, case, "fix")  # once each
    case.refresh_from_db()
    steps = list(case.steps.all())
    assert [s.step for s in steps] == ["acknowledge", "fix", "follow_up"]
    assert all(s.actor == agent_north and s.at >= before for s in steps)
    assert case.first_touched_at == steps[0].at
    assert case.due_at > steps[-1].at
    assert [e["step"] for e in heard[1:]] == ["acknowledge", "fix", "follow_up"]
    assert heard[-1]["actor_id"] == agent_north.pk
    assert Activity.objects.filter(verb="recovery.step", subject_id=case.pk).count() == 3


def test_goodwill_with_amends(case, agent_north):
    actions.record_step(agent_north, case, "acknowledge")
    refused("goodwill_kind", actions.record_step, agent_north, case, "fix", goodwill_kind="gift")
    actions.record_step(agent_north, case, "fix")
    refused(
        "goodwill_currency",
        actions.record_step,
        agent_north,
        case,
        "amends",
        goodwill_kind="voucher",
        goodwill_amount="20",
        goodwill_currency="euro",
    )
    refused(
        "goodwill_amount",
        actions.record_step,
        agent_north,
        case,
        "amends",
        goodwill_kind="voucher",
        goodwill_amount="-5",
        goodwill_currency="EUR",
    )
    refused(
        "goodwill_amount",
        actions.record_step,
        agent_north,
        case,
        "amends",
        goodwill_kind="voucher",
        goodwill_amount="lots",
        goodwill_currency="EUR",
    )
    step = actions.record_step(
        agent_north,
        case,
        "amends",
        goodwill_kind="voucher",
        goodwill_amount="20",
        goodwill_currency="eur",
    )
    step.refresh_from_db()
    assert (step.goodwill_kind, step.goodwill_amount, step.goodwill_currency) == (
        "voucher",
        Decimal("20.00"),
        "EUR",
    )


def test_closing_needs_the_root_cause_and_what_was_changed(case, agent_north, cause, heard):
    refused("root_cause", actions.close, agent_north, case, cause.pk, "New courier")  # no step
    actions.record_step(agent_north, case, "acknowledge")
    refused("root_cause", actions.close, agent_north, case, None, "New courier")
    refused("root_cause", actions.close, agent_north, case, "nine", "New courier")
    retired = RootCause.objects.create(name="Retired", active=False)
    refused("root_cause", actions.close, agent_north, case, retired.pk, "New courier")
    refused("what_changed", actions.close, agent_north, case, cause.pk, "   ")
    refused("follow_up_kind", actions.close, agent_north, case, cause.pk, "x", "stars")
    closed = actions.close(agent_north, case, cause.pk, "New courier")
    assert closed.status == "closed" and closed.outcome == Outcome.WAITING
    assert closed.closed_by == agent_north
    event = heard[-1]
    assert event.name == EventName.RECOVERY_CLOSED
    assert event["follow_up_kind"] == "csat"
    assert event["root_cause"] == "Courier lost the parcel"
    assert event["triggers"] == ["low_csat"]
    refused("root_cause", actions.close, agent_north, case, cause.pk, "Again")
    refused("step", actions.record_step, agent_north, case, "fix")


@pytest.mark.parametrize(
    "kind,score,outcome",
    [
        ("csat", 4, "recovered"),
        ("csat", 3, "not_recovered"),
        ("nps", 9, "recovered"),
        ("nps", 8, "not_recovered"),
        ("ces", 5, "recovered"),
        ("ces", 4, "not_recovered"),
    ],
)
def test_the_follow_up_answer_decides(case, agent_north, cause, kind, score, outcome):
    actions.record_step(agent_north, case, "acknowledge")
    actions.close(agent_north, case, cause.pk, "New courier", kind)
    answered(case.conversation, kind, score, purpose="recovery_followup", case_id=case.pk)
    case.refresh_from_db()
    assert (case.outcome, case.outcome_score) == (outcome, score)
    # A follow-up answer never opens a case by itself, however bad.
    assert RecoveryCase.objects.count() == 1


def test_a_changed_follow_up_answer_counts_anew(case, agent_north, cause):
    actions.record_step(agent_north, case, "acknowledge")
    actions.close(agent_north, case, cause.pk, "New courier")
    first = answered(case.conversation, "csat", 2, purpose="recovery_followup", case_id=case.pk)
    answered(
        case.conversation,
        "csat",
        5,
        purpose="recovery_followup",
        case_id=case.pk,
        answer_id=first["answer_id"],
        changed=True,
    )
    case.refresh_from_db()
    assert case.outcome == "recovered"


def test_unknown_after_fourteen_days_without_an_answer(case, agent_north, cause):
    actions.record_step(agent_north, case, "acknowledge")
    actions.close(agent_north, case, cause.pk, "New courier")
    closed_at = RecoveryCase.objects.get().closed_at
    assert actions.expire_unanswered(closed_at + timedelta(days=13, hours=23)) == 0
    assert actions.expire_unanswered(closed_at + timedelta(days=14)) == 1
    case.refresh_from_db()
    assert case.outcome == Outcome.UNKNOWN
    assert actions.expire_unanswered(closed_at + timedelta(days=30)) == 0
    late = (closed_at + timedelta(days=15)).isoformat()
    answered(
        case.conversation, "csat", 5, purpose="recovery_followup", case_id=case.pk, answered_at=late
    )
    case.refresh_from_db()
    assert case.outcome == Outcome.UNKNOWN


def test_an_owner_must_serve_the_location(case, agent_north, agent_south, lead):
    refused("owner", actions.reassign, lead, case, agent_south)
    assert actions.reassign(lead, case, agent_north).owner == agent_north
