"""/api/sla-policies: everyone reads, admins change; bad values name their field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.core.models import Activity, Team
from helpline.core.tokens import issue_token
from helpline.sla.models import SlaPolicy
from tests.api.conftest import ApiClient
from tests.sla.conftest import at, policy, received

pytestmark = pytest.mark.django_db


def _api(user) -> ApiClient:
    return ApiClient(issue_token(user, "tests"))


def _delete(api: ApiClient, path: str):
    return api.client.delete(f"/api{path}")


@pytest.fixture
def urgent(db):
    return SlaPolicy.objects.create(
        name="Urgent", position=1, priority="urgent", resolution_minutes=240
    )


def test_everyone_reads_the_policies_in_order(agent_south, urgent):
    SlaPolicy.objects.create(name="Everything", position=9, first_response_minutes=60)
    response = _api(agent_south).get("/sla-policies")
    assert response.status_code == 200
    assert [p["name"] for p in response.json()] == ["Urgent", "Everything"]
    one = _api(agent_south).get(f"/sla-policies/{urgent.pk}").json()
    assert one["priority"] == "urgent" and one["channel"] is None and one["warn_at_percent"] == 80


def test_an_admin_creates_changes_and_deletes(admin, north):
    team = Team.objects.create(name="Escalations")
    api = _api(admin)
    created = api.post(
        "/sla-policies",
        {
            "name": "North calls",
            "channel": "phone",
            "location_id": north.pk,
            "first_response_minutes": 30,
            "raise_priority_to": "high",
            "reassign_to_team_id": team.pk,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["location_id"], body["reassign_to_team_id"]) == (north.pk, team.pk)
    changed = api.patch(f"/sla-policies/{body['id']}", {"channel": None, "resolution_minutes": 600})
    assert changed.status_code == 200
    assert changed.json()["channel"] is None and changed.json()["first_response_minutes"] == 30
    assert _delete(api, f"/sla-policies/{body['id']}").status_code == 204
    assert not SlaPolicy.objects.exists()
    verbs = list(
        Activity.objects.filter(actor=admin, verb__startswith="sla_policy.")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["sla_policy.created", "sla_policy.updated", "sla_policy.deleted"]


def test_agents_and_managers_may_not_change_them(agent_north, urgent):
    api = _api(agent_north)
    assert api.post("/sla-policies", {"name": "Mine"}).status_code == 403
    assert api.patch(f"/sla-policies/{urgent.pk}", {"name": "Mine"}).status_code == 403
    assert _delete(api, f"/sla-policies/{urgent.pk}").status_code == 403
    assert SlaPolicy.objects.get().name == "Urgent"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "priority": "whenever"}, "priority"),
        ({"name": "X", "first_response_minutes": 0}, "first_response_minutes"),
        ({"name": "X", "warn_at_percent": 100}, "warn_at_percent"),
        ({"name": ""}, "name"),
        ({"name": "X", "location_id": 999999}, "location"),
        ({"name": "X", "reassign_to_team_id": 999999}, "reassign_to_team"),
    ],
)
def test_bad_values_name_their_field(admin, body, field):
    response = _api(admin).post("/sla-policies", body)
    assert response.status_code in (400, 422)
    assert field in {error["field"] for error in response.json()["detail"]}
    assert not SlaPolicy.objects.exists()


def test_a_missing_policy_is_404(admin):
    assert _api(admin).get("/sla-policies/999999").status_code == 404
    assert _api(admin).patch("/sla-policies/999999", {"name": "X"}).status_code == 404


def test_signed_out_is_401(urgent):
    assert ApiClient().get("/sla-policies").status_code == 401


def test_a_conversation_shows_its_clocks_and_whether_they_are_breached(agent_north, office_hours):
    policy(first_response_minutes=60, resolution_minutes=480)
    late_on_monday = received(office_hours, at(0, 16, 30))
    api = _api(agent_north)

    sla = api.get(f"/conversations/{late_on_monday.pk}").json()["sla"]
    assert sla["policy"]["name"] == "Everything"
    # Half an hour left on Monday, the other half on Tuesday from 09:00.
    assert sla["response_due_at"] == "2026-01-06T09:30:00Z"
    assert sla["due_at"] == sla["response_due_at"]
    assert sla["breached"] is True  # January 2026 is long past
    assert sla["paused_at"] is None

    just_now = received(office_hours, timezone.now() + timedelta(days=7), "ola@example.com")
    listed = {item["id"]: item for item in api.get("/conversations").json()["items"]}
    assert listed[just_now.pk]["sla"]["breached"] is False
    assert listed[late_on_monday.pk]["waiting_since"] == "2026-01-05T16:30:00Z"


def test_a_conversation_without_a_policy_has_no_clocks(agent_north, north):
    conversation = received(north, at(0, 10))
    body = _api(agent_north).get(f"/conversations/{conversation.pk}").json()
    assert body["sla"] is None
