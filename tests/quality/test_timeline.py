"""An agent's timeline: QA per criterion, their customers' scores and comments (kind ones
too), median response time in business seconds, goals, trainings and coaching by month."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.conversations.models import Wait
from helpline.feedback.models import Answer, Survey
from helpline.quality import actions as qa
from helpline.quality import timeline
from tests.quality.conftest import answered

pytestmark = pytest.mark.django_db


def _answer(conversation, agent, kind, score, comment=""):
    survey = Survey.objects.create(
        cause=f"t:{conversation.pk}:{kind}",
        kind=kind,
        status="answered",
        customer=conversation.customer,
        conversation=conversation,
        location=conversation.location,
    )
    return Answer.objects.create(
        survey=survey,
        kind=kind,
        score=score,
        comment=comment,
        customer=conversation.customer,
        conversation=conversation,
        location=conversation.location,
        agent=agent,
        answered_at=timezone.now(),
    )


def test_this_month(people, north, scorecard):
    understood, tone, identity = scorecard.criteria
    conversations = answered(north, people.nora, 3)
    # The waits her replies ended, as stored; the figure is their median.
    waits = Wait.objects.filter(answered_by__author=people.nora).order_by("id")
    for wait, seconds in zip(waits, (60, 600, 6000), strict=True):
        Wait.objects.filter(pk=wait.pk).update(business_seconds=seconds)
    _answer(conversations[0], people.nora, "csat", 5, "Nora was lovely")
    _answer(conversations[1], people.nora, "csat", 2, "Too slow")
    _answer(conversations[2], people.nils, "csat", 1, "Not hers")
    for conversation, value in zip(conversations[:2], (5, 3), strict=True):
        pick = qa.choose(people.mona, conversation, people.nora)
        qa.review(people.mona, pick, {understood.pk: value, tone.pk: None, identity.pk: 5})
    session = qa.hold_session(people.mona, people.nora, timezone.now(), goals=["Greet"])
    qa.complete_goal(people.nora, session.goals.get())
    qa.log_training(people.nora, people.nora, "Returns", timezone.localdate())

    line = timeline.build(people.nora)
    month = line.months[0]
    assert month.median_wait == 600 and month.waits == 3
    assert month.reviews == 2
    assert month.criteria[understood.pk] == (75.0, 2)  # 100 % and 50 %
    assert tone.pk not in month.criteria  # N/A throughout
    assert month.qa == pytest.approx((100 + (2 * 50 + 100) / 3) / 2, abs=0.1)
    (csat,) = month.surveys
    assert (csat.answers, csat.figure) == (2, 50.0)
    assert [a.comment for a in line.comments] == ["Too slow", "Nora was lovely"]
    assert (month.goals_met, month.trainings, month.sessions) == (1, 1, 1)
    assert all(m.reviews == 0 for m in line.months[1:])
    assert len(line.months) == timeline.MONTHS


def test_months_are_the_agents_own(people):
    now = timezone.now()
    starts = timeline.month_starts(now, people.nora.zone(), 3)
    assert starts[0] > starts[1] > starts[2] and all(s.day == 1 for s in starts)
    assert (starts[0] - starts[2]) < timedelta(days=62)
