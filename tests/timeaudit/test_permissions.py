"""Who sees whose time: an agent their own (another agent's is 404, on the page and in the
API); a manager the agents, teams and locations of their locations; an admin everyone's."""

import pytest
from django.test import Client

from helpline.core.models import Team
from helpline.core.tokens import issue_token
from helpline.timeaudit import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(north, south, admin, lead, agent_north, agent_south):
    actions.log_time(agent_north, kind="admin", minutes=30, note="Nora's paperwork")
    actions.log_time(agent_south, kind="stock", minutes=20, note="Sam's boxes")
    return {
        "north_team": Team.objects.create(name="North floor", location=north),
        "south_team": Team.objects.create(name="South floor", location=south),
    }


def page(user, path):
    client = Client()
    client.force_login(user)
    return client.get(path)


def api(user, path):
    return Client(headers={"Authorization": f"Bearer {issue_token(user)}"}).get(path)


def test_an_agent_sees_only_their_own_time(world, agent_north, agent_south, north):
    own = page(agent_north, "/time/")
    assert own.status_code == 200 and "Nora&#x27;s paperwork" in own.content.decode()
    assert "Sam" not in own.content.decode()
    assert page(agent_north, f"/time/agents/{agent_north.pk}/").status_code == 200
    for path in (
        f"/time/agents/{agent_south.pk}/",
        f"/time/agents/{agent_south.pk}/review/",
        f"/time/teams/{world['north_team'].pk}/",
        f"/time/locations/{north.pk}/",
        "/time/planets/1/",
    ):
        assert page(agent_north, path).status_code == 404, path
    assert api(agent_north, f"/api/time/entries?agent_id={agent_south.pk}").status_code == 404
    assert api(agent_north, f"/api/time/week?agent_id={agent_south.pk}").status_code == 404
    assert api(agent_north, f"/api/time/week?location_id={north.pk}").status_code == 404
    mine = api(agent_north, "/api/time/entries").json()["items"]
    assert [e["note"] for e in mine] == ["Nora's paperwork"]


def test_a_manager_sees_their_locations(world, lead, agent_north, agent_south, north, south):
    assert page(lead, f"/time/agents/{agent_north.pk}/").status_code == 200
    assert page(lead, f"/time/teams/{world['north_team'].pk}/").status_code == 200
    assert page(lead, f"/time/locations/{north.pk}/review/").status_code == 200
    by_person = page(lead, f"/time/locations/{north.pk}/").content.decode()
    assert ">Nora</a>" in by_person and "Sam" not in by_person
    for path in (
        f"/time/agents/{agent_south.pk}/",
        f"/time/teams/{world['south_team'].pk}/",
        f"/time/locations/{south.pk}/",
    ):
        assert page(lead, path).status_code == 404, path
    week = api(lead, f"/api/time/week?agent_id={agent_north.pk}").json()
    assert week["share"]["total_seconds"] == 1800
    assert api(lead, f"/api/time/week?team_id={world['south_team'].pk}").status_code == 404
    # The menu offers only what they may open.
    body = page(lead, "/time/").content.decode()
    assert "North floor" in body and "South floor" not in body and "South Mall" not in body


def test_an_admin_sees_everyone(world, admin, agent_south, south):
    assert page(admin, f"/time/agents/{agent_south.pk}/").status_code == 200
    assert page(admin, f"/time/locations/{south.pk}/").status_code == 200
    entries = api(admin, f"/api/time/entries?agent_id={agent_south.pk}").json()["items"]
    assert [e["note"] for e in entries] == ["Sam's boxes"]


def test_nobody_removes_someone_elses_time(world, admin, agent_south):
    entry = agent_south.time_entries.get()
    client = Client()
    client.force_login(admin)
    assert client.post(f"/time/entries/{entry.pk}/remove/").status_code == 404
    assert agent_south.time_entries.count() == 1


def test_only_admins_change_the_rules(lead, agent_north):
    for user in (lead, agent_north):
        client = Client()
        client.force_login(user)
        assert client.post("/settings/time/", {"customer_impacting": ["call"]}).status_code == 403
