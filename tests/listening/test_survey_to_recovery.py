"""Surveys and service recovery together, through the bus as the worker runs it: a bad
answer opens a case; closing it sends the follow-up survey, whose answer decides the outcome.

Each app's own tests publish the other's events by hand; this one runs both for real."""

import pytest
from django.utils import timezone

from helpline.feedback import actions as feedback
from helpline.feedback.models import Survey
from helpline.recovery import actions as recovery
from helpline.recovery.models import RecoveryCase, RootCause
from tests.feedback.conftest import conversation, csat_policy, scheduled_survey, solve
from tests.recovery.conftest import deliver, team_north

# The other folders' fixtures, used here by name.
__all__ = ["conversation", "csat_policy", "team_north"]

pytestmark = pytest.mark.django_db


def test_a_bad_answer_opens_a_case_and_the_follow_up_answer_decides_it(
    conversation, csat_policy, agent_north, team_north, django_capture_on_commit_callbacks
):
    lead_north = team_north.lead
    solve(agent_north, conversation, django_capture_on_commit_callbacks)
    survey = scheduled_survey(conversation)
    feedback.send_due(survey.due_at)
    survey.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        feedback.answer(survey, 1)
    deliver()

    case = RecoveryCase.objects.get(customer=conversation.customer)
    assert case.status == "open" and case.conversation_id == conversation.pk
    assert case.owner == recovery.default_owner(conversation.location_id) == lead_north
    assert case.due_at > timezone.now()
    assert [t.kind for t in case.triggers.all()] == ["low_csat"]
    # A customer with an open case gets the recovery, not another contact survey.
    assert feedback.why_not(conversation.customer, conversation, "contact")

    recovery.record_step(lead_north, case, "acknowledge")
    cause = RootCause.objects.create(name="Courier lost it")
    with django_capture_on_commit_callbacks(execute=True):
        recovery.close(lead_north, case, cause.pk, "A new courier")
    deliver()

    follow_up = Survey.objects.get(purpose="recovery_followup")
    assert follow_up.recovery_case_id == case.pk and follow_up.status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        feedback.answer(follow_up, 5)
    deliver()

    case.refresh_from_db()
    assert case.outcome == "recovered" and case.outcome_score == 5
