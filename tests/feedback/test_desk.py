"""Surveys in the desk: figures recomputed by independent SQL, the inbox's chip and "rated
badly" filter, the customer profile, the prediction, and the location's kiosk."""

import random
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from helpline.feedback import actions, figures, kiosk
from helpline.feedback.models import Answer, Prediction, Survey
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _answer(conversation, kind, score, *, days_ago=1):
    survey = Survey.objects.create(
        cause=f"test:{uuid.uuid4()}",
        kind=kind,
        status="answered",
        customer=conversation.customer if conversation else None,
        conversation=conversation,
        location=conversation.location if conversation else None,
        sent_at=timezone.now() - timedelta(days=days_ago),
    )
    return Answer.objects.create(
        survey=survey,
        kind=kind,
        score=score,
        customer=survey.customer,
        conversation=conversation,
        location=survey.location,
        answered_at=timezone.now() - timedelta(days=days_ago),
    )


def _sql_figures(kind: str, since) -> tuple:
    """The definitions, written again in plain SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*),"
            " SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN score >= 5 THEN 1 ELSE 0 END),"
            " AVG(score * 1.0)"
            " FROM feedback_answer WHERE kind = %s AND answered_at >= %s",
            [kind, since],
        )
        n, csat_good, promoters, detractors, easy, mean = cursor.fetchone()
    if kind == "csat":
        return n, round(100 * csat_good / n, 1), round(float(mean), 2)
    if kind == "nps":
        return n, round(100 * (promoters - detractors) / n, 1), round(float(mean), 2)
    return n, round(100 * easy / n, 1), round(float(mean), 2)


def test_figures_match_an_independent_sql_query(north, mailbox):
    rng = random.Random(12)
    conversations = [
        write_in(north, f"c{i}@example.com", f"Q{i}", mailbox=mailbox) for i in range(6)
    ]
    for _ in range(120):
        kind = rng.choice(["csat", "nps", "ces"])
        low, high = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[kind]
        _answer(
            rng.choice(conversations), kind, rng.randint(low, high), days_ago=rng.randint(0, 80)
        )
    now = timezone.now()
    since = now - timedelta(days=90)
    for kind in ("csat", "nps", "ces"):
        got = figures.compute(kind, since, now + timedelta(seconds=1))
        assert (got.answers, got.score, got.mean) == _sql_figures(kind, since)
        assert got.sent == got.answers  # each generated answer's survey was sent
        assert got.answered_per_sent == 100.0


def test_the_inbox_shows_the_score_and_filters_rated_badly(north, mailbox, agent_north):
    happy = write_in(north, "happy@example.com", "Thanks", mailbox=mailbox)
    angry = write_in(north, "angry@example.com", "Still broken", mailbox=mailbox)
    write_in(north, "quiet@example.com", "No answer", mailbox=mailbox)
    _answer(happy, "csat", 5)
    _answer(angry, "nps", 3)
    client = client_for(agent_north)
    page = client.get("/?view=all").content.decode()
    assert 'title="Survey: CSAT 5"' in page and 'class="score-chip bad"' in page
    bad = client.get("/?view=all&rated_badly=1").content.decode()
    assert "Still broken" in bad and "Thanks" not in bad and "No answer" not in bad


def test_the_profile_shows_scores_and_an_opt_out_nobody_overrides(north, mailbox, agent_north):
    conversation = write_in(north, "maria@example.com", "Kettle", mailbox=mailbox)
    _answer(conversation, "csat", 2)
    actions.opt_out(conversation.customer_id, "one-click")
    page = client_for(agent_north).get(f"/customers/{conversation.customer_id}/").content.decode()
    assert "CSAT 2" in page and "Opted out of surveys" in page
    timeline = page.split('id="customer-conversations"')[1]
    assert 'class="score-chip bad" title="Survey">CSAT 2' in timeline
    assert "override" in page


def test_the_prediction_is_kept_and_a_bad_one_named(north, mailbox, agent_north, csat_policy):
    conversation = write_in(north, "maria@example.com", "Kettle", mailbox=mailbox)
    client = client_for(agent_north)
    client.post(f"/conversations/{conversation.pk}/update/", {"status": "solved"})
    page = client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert 'id="prediction-form"' in page
    response = client.post(f"/conversations/{conversation.pk}/prediction/", {"score": "9"})
    assert response.status_code == 400 and "a score from 1 to 5" in response.content.decode()
    response = client.post(f"/conversations/{conversation.pk}/prediction/", {"score": "4"})
    assert response.status_code == 302
    assert Prediction.objects.get().score == 4
    page = client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert "You expected CSAT 4" in page and 'id="prediction-form"' not in page


def test_send_the_survey_by_email_after_a_visit(north, mailbox, agent_north):
    from helpline.conversations import actions as conversation_actions

    visit = conversation_actions.start_conversation(
        agent_north,
        write_in(north, "maria@example.com", "Kettle", mailbox=mailbox).customer,
        channel="walk_in",
        subject="Visit",
        text="Came in with the kettle",
        location=north,
    )
    client = client_for(agent_north)
    assert 'id="send-survey"' in client.get(f"/conversations/{visit.pk}/").content.decode()
    response = client.post(f"/conversations/{visit.pk}/send-survey/")
    assert response.status_code == 302
    survey = Survey.objects.get(conversation=visit)
    assert survey.status == "sent" and survey.requested_by == agent_north
    # Asked again at once: the 14 days are the customer's, whoever asks.
    response = client.post(f"/conversations/{visit.pk}/send-survey/")
    assert response.status_code == 400 and "within 14 days" in response.content.decode()


def test_the_kiosk_takes_anonymous_answers_for_the_location_and_limits_a_device(
    north, settings, heard
):
    from helpline.core.events import EventName

    answered = heard(EventName.SURVEY_ANSWERED)
    settings.HELPLINE_KIOSK_ANSWERS_PER_HOUR = 2
    url = f"/kiosk/{north.pk}/{kiosk.token_for(north)}/"
    walk_in = Client()
    page = walk_in.get(url).content.decode()
    assert "North Street" in page and "email" not in page.lower()
    assert walk_in.post(url, {"score": "5", "comment": "Friendly"}).status_code == 200
    assert walk_in.post(url, {"score": "4"}).status_code == 200
    assert walk_in.post(url, {"score": "1"}).status_code == 429
    assert [(a.score, a.location_id, a.customer_id) for a in Answer.objects.order_by("id")] == [
        (5, north.pk, None),
        (4, north.pk, None),
    ]
    assert answered[0]["customer_id"] is None and answered[0]["location_id"] == north.pk
    assert Client().get(f"/kiosk/{north.pk}/forged/").status_code == 404


def test_the_survey_page_lists_figures_and_the_kiosk_qr(agent_north, north):
    page = client_for(agent_north).get("/surveys/").content.decode()
    assert 'id="figure-csat"' in page and "<svg" in page and kiosk.token_for(north) in page
