"""The survey API: policies for admins, surveys and answers by location, bad input named."""

import pytest
from django.utils import timezone

from helpline.feedback.models import Answer, Survey
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def test_policies_are_for_admins_and_bad_values_are_named(api_as, admin, agent_north):
    created = api_as(admin).post("/survey-policies", {"name": "Shops", "kind": "nps"})
    assert created.status_code == 201
    body = created.json()
    assert (body["kind"], body["delay_minutes"], body["every_days"]) == ("nps", 60, 14)
    assert body["reminder_after_days"] is None
    refused = api_as(agent_north).post("/survey-policies", {"name": "X"})
    assert refused.status_code == 403
    bad = api_as(admin).post("/survey-policies", {"name": "X", "kind": "stars"})
    assert bad.status_code in (400, 422) and "kind" in bad.content.decode()
    bad = api_as(admin).post("/survey-policies", {"name": "X", "location_id": 999999})
    assert bad.status_code == 400 and "location" in bad.content.decode()


def test_surveys_and_answers_are_seen_only_at_ones_locations(
    api_as, north, mailbox, agent_north, agent_south
):
    conversation = write_in(north, "maria@example.com", "Kettle", mailbox=mailbox)
    survey = Survey.objects.create(
        cause="api",
        kind="csat",
        status="answered",
        customer=conversation.customer,
        conversation=conversation,
        location=north,
    )
    answer = Answer.objects.create(
        survey=survey,
        kind="csat",
        score=2,
        comment="Slow",
        customer=conversation.customer,
        conversation=conversation,
        location=north,
        agent=agent_north,
        answered_at=timezone.now(),
    )
    mine = api_as(agent_north).get("/surveys").json()["items"]
    assert [(s["id"], s["answer"]["score"]) for s in mine] == [(survey.pk, 2)]
    assert api_as(agent_south).get("/surveys").json()["items"] == []
    assert api_as(agent_south).get(f"/survey-answers/{answer.pk}").status_code == 404
    got = api_as(agent_north).get(f"/survey-answers/{answer.pk}").json()
    assert (got["comment"], got["agent_id"]) == ("Slow", agent_north.pk)
    filtered = api_as(agent_north).get("/surveys", status="withdrawn").json()["items"]
    assert filtered == []
