"""The demo shows surveys: policies, and answers spread over the last 90 days."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.demo.load import load_demo
from helpline.feedback.models import Answer, SurveyPolicy

pytestmark = pytest.mark.django_db


def test_the_demo_has_policies_and_answers_of_the_last_90_days():
    summary = load_demo(customers=40, conversations=200, seed=3)
    answers = list(Answer.objects.all())
    assert summary.counts["survey answers"] == len(answers) > 0
    # NPS after a visit, CES after a call, CSAT otherwise: every kind for the reports.
    assert set(SurveyPolicy.objects.values_list("kind", flat=True)) == {"csat", "nps", "ces"}
    now = timezone.now()
    assert all(now - timedelta(days=91) <= a.answered_at <= now for a in answers)
    assert {a.location_id for a in answers} - {None}
