"""Survey policies, recovery rules and root causes, set in the desk's settings."""

from decimal import Decimal

import pytest
from django.test import Client

from helpline.core.models import Activity
from helpline.feedback.models import SurveyPolicy
from helpline.recovery import actions as recovery_actions
from helpline.recovery.models import RecoveryRules, RootCause
from tests.test_permission_matrix import RECOVERY_RULES

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def error_of(response, field: str) -> str:
    page = response.content.decode()
    start = page.index(f'id="id_{field}_error"')
    return page[start : start + 300]


POLICY = {
    "name": "Shops",
    "kind": "nps",
    "delay_minutes": "30",
    "every_days": "21",
    "position": "5",
}


def test_an_admin_adds_changes_and_deletes_a_survey_policy(admin, north):
    client = signed_in(admin)
    SurveyPolicy.objects.create(name="Everyone", position=10)
    response = client.post("/settings/surveys/new/", {**POLICY, "location": north.pk})
    assert response.status_code == 302
    policy = SurveyPolicy.objects.get(name="Shops")
    assert (policy.kind, policy.delay_minutes, policy.every_days, policy.location) == (
        "nps",
        30,
        21,
        north,
    )
    assert policy.active is False  # an unticked box
    page = client.get("/settings/surveys/").content.decode()
    assert page.index("Shops") < page.index("Everyone")  # in match order

    response = client.post(
        f"/settings/surveys/{policy.pk}/",
        {**POLICY, "active": "on", "kind": "ces", "reminder_after_days": "3"},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.active, policy.kind, policy.reminder_after_days, policy.location) == (
        True,
        "ces",
        3,
        None,
    )
    assert Activity.objects.filter(verb="survey_policy.updated").count() == 1

    response = client.post(f"/settings/surveys/{policy.pk}/delete/")
    assert response.status_code == 302
    assert list(SurveyPolicy.objects.values_list("name", flat=True)) == ["Everyone"]
    assert Activity.objects.filter(verb="survey_policy.deleted").count() == 1


def test_a_bad_survey_policy_value_is_named_and_what_was_typed_stays(admin):
    response = signed_in(admin).post(
        "/settings/surveys/new/", {**POLICY, "name": "Kept", "reminder_after_days": "99"}
    )
    assert response.status_code == 400
    assert "less than or equal to 60" in error_of(response, "reminder_after_days")
    assert 'value="Kept"' in response.content.decode()
    assert not SurveyPolicy.objects.exists()


def test_a_location_gets_its_own_threshold_that_recovery_uses(admin, north, south):
    client = signed_in(admin)
    response = client.post(
        f"/settings/recovery/rules/{north.pk}/",
        {**RECOVERY_RULES, "csat_at_most": "3", "low_nps": ""},
    )
    assert response.status_code == 302
    rules = recovery_actions.rules_for(north.pk)
    assert (rules.location, rules.csat_at_most, rules.low_nps) == (north, 3, False)
    assert recovery_actions.rules_for(south.pk).csat_at_most == 2  # the others unchanged
    assert Activity.objects.filter(verb="recovery.rules_changed").count() == 1

    response = client.post(
        "/settings/recovery/rules/everywhere-else/",
        {**RECOVERY_RULES, "compound_at_most": "-0.3"},
    )
    assert response.status_code == 302
    assert recovery_actions.rules_for(south.pk).compound_at_most == Decimal("-0.30")
    assert recovery_actions.rules_for(north.pk).compound_at_most == Decimal("-0.60")
    page = client.get(f"/settings/recovery/rules/{north.pk}/").content.decode()
    assert 'name="csat_at_most" value="3"' in page


def test_a_bad_threshold_is_named_and_nothing_is_saved(admin, north):
    response = signed_in(admin).post(
        f"/settings/recovery/rules/{north.pk}/", {**RECOVERY_RULES, "csat_at_most": "9"}
    )
    assert response.status_code == 400
    assert "less than or equal to 5" in error_of(response, "csat_at_most")
    assert 'name="csat_at_most" value="9"' in response.content.decode()
    response = signed_in(admin).post(
        "/settings/recovery/rules/everywhere-else/", {**RECOVERY_RULES, "compound_at_most": "-2"}
    )
    assert response.status_code == 400
    assert "greater than or equal to -1" in error_of(response, "compound_at_most")
    assert not RecoveryRules.objects.exists()


def test_an_admin_adds_renames_and_retires_a_root_cause(admin):
    client = signed_in(admin)
    response = client.post(
        "/settings/recovery/root-causes/new/", {"name": " Courier  late ", "position": "0"}
    )
    assert response.status_code == 302
    cause = RootCause.objects.get()
    assert (cause.name, cause.active) == ("Courier late", False)  # unticked: not offered

    response = client.post(
        f"/settings/recovery/root-causes/{cause.pk}/",
        {"name": "Courier delay", "position": "2", "active": "on"},
    )
    assert response.status_code == 302
    cause.refresh_from_db()
    assert (cause.name, cause.position, cause.active) == ("Courier delay", 2, True)

    response = client.post(
        f"/settings/recovery/root-causes/{cause.pk}/", {"name": "Courier delay", "position": "2"}
    )
    assert response.status_code == 302
    cause.refresh_from_db()
    assert cause.active is False
    assert "(inactive)" in client.get("/settings/recovery/root-causes/").content.decode()
    assert Activity.objects.filter(verb="recovery.root_cause_added").count() == 1
    changed = Activity.objects.filter(verb="recovery.root_cause_changed").order_by("pk")
    assert [a.data["after"]["active"] for a in changed] == [True, False]


def test_a_root_cause_name_taken_is_named(admin):
    RootCause.objects.create(name="Courier late")
    response = signed_in(admin).post(
        "/settings/recovery/root-causes/new/", {"name": "courier LATE", "position": "0"}
    )
    assert response.status_code == 400
    assert "another root cause has this name" in error_of(response, "name")
    assert RootCause.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    ["/settings/surveys/", "/settings/recovery/rules/", "/settings/recovery/root-causes/"],
)
def test_only_admins(url, agent_north):
    assert signed_in(agent_north).get(url).status_code == 403


def test_the_checklist_links_surveys_and_root_causes(admin):
    client = signed_in(admin)

    def step(name: str) -> str:
        page = client.get("/settings/").content.decode()
        start = page.index(f'id="step-{name}"')
        return page[start : page.index("</li>", start)]

    assert "Not done" in step("surveys") and "Not done" in step("root-causes")
    RootCause.objects.create(name="Courier late")
    assert "Not done" not in step("root-causes") and "Done" in step("root-causes")
