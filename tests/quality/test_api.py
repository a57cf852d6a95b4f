"""/api/quality: the scorecard, reviews and coaching with the desk's permissions; a bad
payload is a 4xx naming the field."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from helpline.core.tokens import issue_token
from helpline.quality import actions as qa
from tests.quality.conftest import answered

pytestmark = pytest.mark.django_db


def api(user):
    return Client(headers={"Authorization": f"Bearer {issue_token(user)}"})


def send(client, method, path, body):
    return client.generic(method, path, json.dumps(body), content_type="application/json")


def test_the_scorecard(people):
    mona = api(people.mona)
    made = send(mona, "POST", "/api/quality/scorecards", {"name": "Calls", "scale_max": 7})
    assert made.status_code == 201 and made.json()["scale_max"] == 7
    card = made.json()["id"]
    bad = send(mona, "POST", f"/api/quality/scorecards/{card}/criteria", {"name": "T", "weight": 0})
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "weight"
    scale = send(mona, "PATCH", f"/api/quality/scorecards/{card}", {"scale_min": 7})
    assert scale.status_code == 400 and scale.json()["detail"][0]["field"] == "scale_max"
    added = send(mona, "POST", f"/api/quality/scorecards/{card}/criteria", {"name": "Tone"})
    assert added.status_code == 201
    nora = api(people.nora)
    assert send(nora, "POST", "/api/quality/scorecards", {"name": "Mine"}).status_code == 403
    (listed,) = nora.get("/api/quality/scorecards").json()
    assert listed["criteria"][0]["name"] == "Tone" and listed["active"]


def test_reviewing_a_pick(people, north, scorecard):
    understood, tone, identity = scorecard.criteria
    (conversation,) = answered(north, people.nora, 1)
    pick = qa.choose(people.mona, conversation, people.nora)
    url = f"/api/quality/picks/{pick.pk}/reviews"
    mona = api(people.mona)
    scores = {str(understood.pk): 5, str(tone.pk): 4, str(identity.pk): None}

    bad = send(mona, "POST", url, {"scores": {**scores, str(understood.pk): 9}})
    assert bad.status_code == 400
    assert bad.json()["detail"][0]["field"] == f"scores.{understood.pk}"
    odd = send(mona, "POST", url, {"scores": {**scores, "tone": 4}})
    assert odd.status_code == 400 and odd.json()["detail"][0]["field"] == "scores.tone"
    shape = send(mona, "POST", url, {"scores": "all fives"})
    assert shape.status_code == 422 and shape.json()["detail"][0]["field"] == "scores"

    made = send(mona, "POST", url, {"scores": scores, "note": "Clear"})
    assert made.status_code == 201, made.content
    review = made.json()
    assert review["score"] == pytest.approx(91.7) and review["agent_id"] == people.nora.pk
    assert [a["value"] for a in review["answers"]] == [5, 4, None]

    assert send(api(people.nora), "POST", url, {"scores": scores}).status_code == 403
    assert send(api(people.sam), "POST", url, {"scores": scores}).status_code == 404

    thread = f"/api/quality/reviews/{review['id']}/comments"
    replied = send(api(people.nora), "POST", thread, {"text": "Thank you"})
    assert replied.status_code == 201 and replied.json()["comments"][0]["text"] == "Thank you"
    assert send(api(people.nils), "POST", thread, {"text": "Hi"}).status_code == 404
    assert send(api(people.nora), "POST", thread, {"text": ""}).json()["detail"][0]["field"] == (
        "text"
    )


def test_coaching(people):
    url = f"/api/quality/agents/{people.nora.pk}/coaching"
    body = {
        "held_at": timezone.now().isoformat(),
        "notes": "Tone",
        "follow_up_on": timezone.localdate().isoformat(),
        "goals": [{"text": "Greet by name"}],
    }
    assert send(api(people.nora), "POST", url, body).status_code == 403
    assert send(api(people.sue), "POST", url, body).status_code == 404
    late = send(api(people.mona), "POST", url, {**body, "follow_up_on": "2099-01-01"})
    assert late.status_code == 400 and late.json()["detail"][0]["field"] == "follow_up_on"
    made = send(api(people.mona), "POST", url, body)
    assert made.status_code == 201 and made.json()["goals"][0]["text"] == "Greet by name"
    read = api(people.nora).get(url).json()
    assert read["sessions"][0]["notes"] == "Tone"
    goal = read["goals"][0]["id"]
    assert api(people.nils).get(url).status_code == 404
    done = api(people.nora).post(f"/api/quality/goals/{goal}/done")
    assert done.status_code == 200 and done.json()["done_at"] is not None


def test_trainings(people):
    url = f"/api/quality/agents/{people.nora.pk}/trainings"
    today = timezone.localdate().isoformat()
    bad = send(api(people.nora), "POST", url, {"title": "Returns", "on": today, "minutes": 0})
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "minutes"
    made = send(api(people.nora), "POST", url, {"title": "Returns", "on": today, "minutes": 45})
    assert made.status_code == 201 and made.json()["minutes"] == 45
    assert send(api(people.nils), "POST", url, {"title": "X", "on": today}).status_code == 404
    coaching = api(people.mona).get(f"/api/quality/agents/{people.nora.pk}/coaching").json()
    assert [t["title"] for t in coaching["trainings"]] == ["Returns"]
