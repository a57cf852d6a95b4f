"""/api/time: an agent logs their own time; refusals name the field; entries and the week
read back with the same numbers as the desk."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helpline.core.tokens import issue_token
from helpline.timeaudit.models import TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(agent_north):
    return Client(headers={"Authorization": f"Bearer {issue_token(agent_north)}"})


def post(client, body):
    return client.post("/api/time/entries", body, content_type="application/json")


def test_an_agent_logs_their_own_time(client, agent_north):
    started = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    response = post(
        client,
        {"kind": "training", "minutes": 45, "started_at": started.isoformat(), "note": "Safety"},
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["agent_id"] == agent_north.pk
    assert (data["kind"], data["seconds"], data["minutes"]) == ("training", 2700, 45.0)
    assert data["source"] == "manual" and data["customer_impacting"] is False
    entry = TimeEntry.objects.get()
    assert entry.started_at == started and entry.agent == agent_north
    listed = client.get("/api/time/entries").json()
    assert [item["id"] for item in listed["items"]] == [entry.pk]
    week = client.get("/api/time/week").json()
    assert week["share"]["total_seconds"] == 2700
    assert week["share"]["percent"] == 0
    assert week["sinks"][0]["name"] == "Training"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "meeting"}, 422, "minutes"),
        ({"kind": "meeting", "minutes": 0}, 422, "minutes"),
        ({"kind": "meeting", "minutes": "lots"}, 422, "minutes"),
        ({"kind": "meeting", "minutes": 721}, 422, "minutes"),
        ({"kind": "call", "minutes": 10}, 400, "kind"),
        ({"kind": "nap", "minutes": 10}, 400, "kind"),
        (
            {"kind": "meeting", "minutes": 10, "started_at": "2001-01-01T10:00:00Z"},
            400,
            "started_at",
        ),
        ({"kind": "meeting", "minutes": 10, "started_at": "yesterday"}, 422, "started_at"),
        ({"kind": "meeting", "minutes": 10, "note": "x" * 2001}, 422, "note"),
    ],
)
def test_a_refusal_names_the_field(client, body, status, field):
    response = post(client, body)
    assert response.status_code == status, response.content
    assert field in [error["field"] for error in response.json()["detail"]]
    assert not TimeEntry.objects.exists()


def test_the_week_names_one_group(client, agent_north, north):
    response = client.get(f"/api/time/week?agent_id={agent_north.pk}&location_id={north.pk}")
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "location_id"
    assert client.get("/api/time/week?week=not-a-day").status_code == 422
    assert client.get("/api/time/week?week=9999-01-01").status_code == 400


def test_signed_out_is_401():
    assert Client().get("/api/time/entries").status_code == 401
    assert (
        Client().post("/api/time/entries", {}, content_type="application/json").status_code == 401
    )
