"""Teams and service level policies, set in the desk's settings."""

import pytest
from django.test import Client

from helpline.core.models import Activity, Team
from helpline.sla.models import SlaPolicy

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def error_of(response, field: str) -> str:
    page = response.content.decode()
    start = page.index(f'id="id_{field}_error"')
    return page[start : start + 300]


def test_an_admin_forms_a_team_and_changes_it(admin, agent_north, north):
    client = signed_in(admin)
    response = client.post(
        "/settings/teams/new/",
        {"name": " Returns ", "location": north.pk, "lead": agent_north.pk, "members": [admin.pk]},
    )
    assert response.status_code == 302
    team = Team.objects.get()
    assert (team.name, team.location, team.lead) == ("Returns", north, agent_north)
    assert list(team.members.all()) == [admin]
    assert "Returns" in client.get("/settings/teams/").content.decode()

    response = client.post(
        f"/settings/teams/{team.pk}/", {"name": "Returns", "members": [agent_north.pk]}
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.location, team.lead) == (None, None)
    assert list(team.members.all()) == [agent_north]
    changed = Activity.objects.get(verb="team.updated").data["changed"]
    assert changed == {
        "location": [north.pk, None],
        "lead": [agent_north.pk, None],
        "members": [[admin.pk], [agent_north.pk]],
    }
    assert Activity.objects.filter(verb="team.created").count() == 1


@pytest.mark.parametrize(
    "name, words", [("", "A team needs a name."), ("front DESK", "Another team has this name.")]
)
def test_a_refused_team_says_why(admin, name, words):
    Team.objects.create(name="Front desk")
    response = signed_in(admin).post("/settings/teams/new/", {"name": name})
    assert response.status_code == 400
    assert words in error_of(response, "name")
    assert Team.objects.count() == 1


def test_an_admin_sets_a_service_level_and_changes_it(admin, north):
    client = signed_in(admin)
    response = client.post(
        "/settings/service-levels/new/",
        {
            "name": "Standard",
            "first_response_minutes": "240",
            "resolution_minutes": "1440",
            "warn_at_percent": "80",
            "position": "0",
            "priority": "",
            "channel": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = SlaPolicy.objects.get()
    assert (policy.first_response_minutes, policy.resolution_minutes) == (240, 1440)
    assert policy.location is None and policy.priority == ""
    page = client.get("/settings/").content.decode()
    start = page.index('id="step-sla"')
    assert "Done" in page[start : start + 700]

    response = client.post(
        f"/settings/service-levels/{policy.pk}/",
        {
            "name": "Standard",
            "first_response_minutes": "120",
            "warn_at_percent": "50",
            "position": "0",
            "location": north.pk,
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.first_response_minutes, policy.resolution_minutes, policy.location) == (
        120,
        None,
        north,
    )
    assert {"sla_policy.created", "sla_policy.updated"} <= set(
        Activity.objects.values_list("verb", flat=True)
    )


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"name": ""}, "name", "A policy needs a name."),
        ({"first_response_minutes": "soon"}, "first_response_minutes", "whole number of minutes"),
        ({"resolution_minutes": "999999999"}, "resolution_minutes", "between 1 and"),
        ({"warn_at_percent": "120"}, "warn_at_percent", "less than or equal to 99"),
    ],
)
def test_a_refused_service_level_says_why(admin, fields, field, words):
    data = {"name": "Standard", "warn_at_percent": "80", "position": "0", **fields}
    response = signed_in(admin).post("/settings/service-levels/new/", data)
    assert response.status_code == 400
    assert words in error_of(response, field)
    assert not SlaPolicy.objects.exists()


def test_agents_may_not_change_teams_or_service_levels(agent_north):
    client = signed_in(agent_north)
    assert client.post("/settings/teams/new/", {"name": "Mine"}).status_code == 403
    assert client.get("/settings/service-levels/").status_code == 403
    assert not Team.objects.exists()
