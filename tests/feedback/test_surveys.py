"""Scheduling, sending, withdrawing and the people we never survey."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from helpline.conversations import actions as conversation_actions
from helpline.core.events import EventName, deliver_due, publish
from helpline.core.models import Mailbox
from helpline.customers import actions as customer_actions
from helpline.feedback import actions
from helpline.feedback.models import Answer, Survey, SurveyPolicy
from helpline.hours.actions import set_opening_hours
from tests.desk.conftest import write_in
from tests.feedback.conftest import scheduled_survey, send_and_receive, solve

pytestmark = pytest.mark.django_db


def test_a_solved_conversation_is_surveyed_one_business_hour_later(
    conversation, csat_policy, agent_north, django_capture_on_commit_callbacks, heard
):
    sent = heard(EventName.SURVEY_SENT)
    solve(agent_north, conversation, django_capture_on_commit_callbacks)
    survey = scheduled_survey(conversation)
    conversation.refresh_from_db()
    assert survey.status == "scheduled"
    assert survey.due_at == conversation.solved_at + timedelta(hours=1)
    # Time moved by the test: a minute early nothing goes, at the due time it does.
    assert actions.send_due(survey.due_at - timedelta(minutes=1)) == {"sent": 0, "reminded": 0}
    assert actions.send_due(survey.due_at) == {"sent": 1, "reminded": 0}
    survey.refresh_from_db()
    assert survey.status == "sent" and survey.recipient == "maria@example.com"
    assert sent == [
        {
            "survey_id": survey.pk,
            "kind": "csat",
            "purpose": "contact",
            "customer_id": conversation.customer_id,
            "conversation_id": conversation.pk,
            "location_id": conversation.location_id,
            "recovery_case_id": None,
        }
    ]
    # The handler running again (at least once delivery) schedules nothing more.
    actions.schedule_after_solve(conversation.pk)
    assert Survey.objects.count() == 1


def test_the_delay_is_in_business_time(
    conversation, north, csat_policy, agent_north, django_capture_on_commit_callbacks
):
    set_opening_hours(None, north, [(day, time(9), time(17)) for day in range(5)])
    friday_evening = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)  # London is on UTC in March
    solve(agent_north, conversation, django_capture_on_commit_callbacks, at=friday_evening)
    assert scheduled_survey(conversation).due_at == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)


def test_a_reopened_conversation_withdraws_its_unanswered_survey(
    conversation, csat_policy, agent_north, django_capture_on_commit_callbacks
):
    solve(agent_north, conversation, django_capture_on_commit_callbacks)
    survey = scheduled_survey(conversation)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_actions.reopen(agent_north, conversation)
    deliver_due()
    survey.refresh_from_db()
    assert survey.status == "withdrawn"
    assert actions.send_due(timezone.now() + timedelta(days=1))["sent"] == 0


def test_a_survey_sent_and_then_reopened_is_withdrawn_and_its_links_refused(
    conversation, csat_policy, agent_north, django_capture_on_commit_callbacks, client
):
    solve(agent_north, conversation, django_capture_on_commit_callbacks)
    survey = scheduled_survey(conversation)
    actions.send_due(survey.due_at)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_actions.reopen(agent_north, conversation)
    deliver_due()
    survey.refresh_from_db()
    assert survey.status == "withdrawn"
    from helpline.feedback.mail import answer_url

    response = client.post(answer_url(survey, 5), {"score": 5})
    assert response.status_code == 410 and b"withdrawn" in response.content
    assert not Answer.objects.exists()


def test_at_most_one_survey_per_customer_in_fourteen_days(
    north, mailbox, csat_policy, agent_north, django_capture_on_commit_callbacks
):
    first = write_in(north, "maria@example.com", "One", mailbox=mailbox)
    solve(agent_north, first, django_capture_on_commit_callbacks)
    actions.send_due(timezone.now() + timedelta(hours=2))
    second = write_in(north, "maria@example.com", "Two", mailbox=mailbox)
    assert second.pk != first.pk
    solve(agent_north, second, django_capture_on_commit_callbacks)
    survey = scheduled_survey(second)
    assert survey.status == "skipped"
    assert "within 14 days" in survey.not_sent_because


def _skipped_because(conversation, agent, captured) -> str:
    solve(agent, conversation, captured)
    survey = scheduled_survey(conversation)
    assert survey.status == "skipped"
    return survey.not_sent_because


def test_never_surveyed(
    north, mailbox, csat_policy, agent_north, admin, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    # An opted-out customer.
    opted = write_in(north, "opted@example.com", "Hi", mailbox=mailbox)
    actions.opt_out(opted.customer_id, "page")
    assert "opted out" in _skipped_because(opted, agent_north, captured)
    # A conversation closed as spam.
    spam = write_in(north, "spam@example.com", "Cheap pills", mailbox=mailbox)
    conversation_actions.set_tags(agent_north, spam, ["spam"])
    assert "spam" in _skipped_because(spam, agent_north, captured)
    # Our own mailbox writing in.
    Mailbox.objects.create(address="returns@shop.test", location=north)
    own = write_in(north, "returns@shop.test", "Forwarded", mailbox=mailbox)
    assert "own mailboxes" in _skipped_because(own, agent_north, captured)
    # A robot: only an auto-reply came in.
    robot = write_in(
        north, "robot@example.com", "Out of office", mailbox=mailbox, kind="auto_reply"
    )
    assert "robots" in _skipped_because(robot, agent_north, captured)
    # A customer with an open recovery case (told by the recovery events).
    recovering = write_in(north, "case@example.com", "Again", mailbox=mailbox)
    with captured(execute=True):
        from django.db import transaction

        with transaction.atomic():
            publish(
                EventName.RECOVERY_OPENED,
                case_id=77,
                customer_id=recovering.customer_id,
                conversation_id=recovering.pk,
                location_id=north.pk,
                owner_id=None,
                triggers=["csat_low"],
            )
    deliver_due()
    assert "recovery case" in _skipped_because(recovering, agent_north, captured)
    # A customer merged away before the survey was due.
    merged = write_in(north, "merged@example.com", "Hello", mailbox=mailbox)
    solve(agent_north, merged, captured)
    survivor = write_in(north, "survivor@example.com", "Hello", mailbox=mailbox).customer
    customer_actions.merge(admin, merged.customer, survivor)
    survey = Survey.objects.get(customer_id=merged.customer_id)
    assert actions.send(survey.pk, survey.due_at) == "skipped"
    survey.refresh_from_db()
    assert "merged" in survey.not_sent_because


def test_a_recovery_case_closing_sends_the_follow_up_and_lets_contact_surveys_again(
    conversation, north, csat_policy, django_capture_on_commit_callbacks, heard
):
    from django.db import transaction

    sent = heard(EventName.SURVEY_SENT)
    payload = dict(
        case_id=12,
        customer_id=conversation.customer_id,
        conversation_id=conversation.pk,
        location_id=north.pk,
        owner_id=None,
        triggers=["csat_low"],
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(EventName.RECOVERY_OPENED, **payload)
    deliver_due()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(EventName.RECOVERY_CLOSED, **payload, follow_up_kind="nps", root_cause="late")
    deliver_due()
    deliver_due()  # a second delivery attempt changes nothing
    followup = Survey.objects.get(purpose="recovery_followup")
    assert (followup.kind, followup.status, followup.recovery_case_id) == ("nps", "sent", 12)
    assert [event["purpose"] for event in sent] == ["recovery_followup"]
    assert actions.why_not(conversation.customer, None, "contact") == ""


def test_no_policy_no_survey(conversation, agent_north, django_capture_on_commit_callbacks):
    solve(agent_north, conversation, django_capture_on_commit_callbacks)
    assert not Survey.objects.exists()


def test_policies_match_like_sla_policies(conversation, south, mailbox):
    SurveyPolicy.objects.create(name="South", location=south, kind="nps", position=0)
    SurveyPolicy.objects.create(name="Phone", channel="phone", kind="ces", position=1)
    SurveyPolicy.objects.create(name="Mailbox", mailbox=mailbox, kind="nps", position=2)
    SurveyPolicy.objects.create(name="Rest", kind="csat", position=3)
    assert actions.policy_for(conversation).name == "Mailbox"


def test_a_reminder_goes_once_when_the_policy_asks(
    conversation, agent_north, smtp_server, django_capture_on_commit_callbacks
):
    SurveyPolicy.objects.create(name="Remind", kind="csat", reminder_after_days=3)
    solve(agent_north, conversation, django_capture_on_commit_callbacks)
    survey = scheduled_survey(conversation)
    send_and_receive(smtp_server, survey, survey.due_at)
    later = survey.due_at + timedelta(days=3)
    assert actions.send_due(later) == {"sent": 0, "reminded": 1}
    assert actions.send_due(later + timedelta(days=1)) == {"sent": 0, "reminded": 0}


def test_policy_values_are_checked_naming_the_field(admin, agent_north):
    with pytest.raises(actions.ActionError) as error:
        actions.create_policy(admin, name="X", kind="stars")
    assert error.value.field == "kind"
    with pytest.raises(actions.ActionError) as error:
        actions.create_policy(admin, name="X", delay_minutes=-1)
    assert error.value.field == "delay_minutes"
    with pytest.raises(PermissionError):
        actions.create_policy(agent_north, name="X")
    policy = actions.create_policy(admin, name="Default")
    assert (policy.kind, policy.delay_minutes, policy.every_days, policy.reminder_after_days) == (
        "csat",
        60,
        14,
        None,
    )


def test_a_follow_up_without_a_conversation_is_not_sent_as_if_it_were(conversation, north):
    survey = actions.recovery_closed(5, conversation.customer_id, None, north.pk)
    assert survey.status == "skipped" and "no conversation" in survey.not_sent_because
