"""The desk's recovery pages and the API: the worklist by due time, a case's steps and
closing, the case on the conversation and the customer, errors beside their fields."""

from datetime import timedelta

import pytest
from django.test import Client

from helpline.core.tokens import issue_token
from helpline.recovery.models import RecoveryCase, RecoveryStep
from tests.desk.conftest import write_in
from tests.recovery.conftest import answered, scored

pytestmark = pytest.mark.django_db


@pytest.fixture
def nora(agent_north):
    client = Client()
    client.force_login(agent_north)
    return client


@pytest.fixture
def case(maria_conversation):
    answered(maria_conversation, "csat", 1)
    return RecoveryCase.objects.get()


def test_the_worklist_is_sorted_by_due_time(nora, north, mailbox):
    late = write_in(north, "late@example.com", "A", name="Lena Later")
    soon = write_in(north, "soon@example.com", "B", name="Sofia Sooner")
    scored(late, -0.9)
    scored(soon, -0.9)
    RecoveryCase.objects.filter(customer=soon.customer).update(
        due_at=RecoveryCase.objects.get(customer=late.customer).due_at - timedelta(hours=1)
    )
    page = nora.get("/recovery/").content.decode()
    assert page.index("Sofia Sooner") < page.index("Lena Later")


def test_the_case_is_on_the_conversation_and_the_customer(nora, case, maria_conversation):
    for url in (f"/conversations/{maria_conversation.pk}/", f"/customers/{case.customer_id}/"):
        page = nora.get(url).content.decode()
        assert f'id="recovery-case-{case.pk}"' in page and "Low CSAT" in page


def test_recording_steps_and_closing_from_the_case_page(nora, case, cause, agent_north):
    url = f"/recovery/{case.pk}/"
    response = nora.post(f"{url}close/", {"root_cause": cause.pk, "what_changed": "x"})
    assert response.status_code == 400
    assert 'id="close-error"' in response.content.decode()
    response = nora.post(f"{url}step/", {"step": "acknowledge", "note": "Said sorry"})
    assert response.status_code == 302
    response = nora.post(
        f"{url}step/",
        {
            "step": "amends",
            "goodwill_kind": "voucher",
            "goodwill_amount": "abc",
            "goodwill_currency": "EUR",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="step-error"' in page and 'value="abc"' in page  # what was typed is kept
    response = nora.post(f"{url}close/", {"root_cause": cause.pk, "what_changed": ""})
    assert response.status_code == 400
    response = nora.post(f"{url}close/", {"root_cause": cause.pk, "what_changed": "New courier"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed" and case.root_cause == cause
    assert RecoveryStep.objects.get().actor == agent_north
    page = nora.get(url).content.decode()
    assert "New courier" in page and "Courier lost the parcel" in page


def test_the_report_shows_the_rate_with_count_and_unknown(nora, case, agent_north, cause):
    from helpline.recovery import actions

    actions.record_step(agent_north, case, "acknowledge")
    actions.close(agent_north, case, cause.pk, "New courier")
    answered(case.conversation, "csat", 5, purpose="recovery_followup", case_id=case.pk)
    page = nora.get("/recovery/report/").content.decode()
    assert "100 %" in page and "of 1" in page and "Courier lost the parcel" in page


def test_the_api(agent_north, agent_south, case, cause):
    api = Client(headers={"Authorization": f"Bearer {issue_token(agent_north)}"})
    listed = api.get("/api/recovery/cases").json()
    assert [c["id"] for c in listed["items"]] == [case.pk]
    assert listed["items"][0]["triggers"][0]["kind"] == "low_csat"
    assert listed["items"][0]["next_step"] == "acknowledge"
    bad = api.post(f"/api/recovery/cases/{case.pk}/steps", {"step": "fix"}, "application/json")
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "step"
    wrong = api.post(f"/api/recovery/cases/{case.pk}/steps", {"step": "nope"}, "application/json")
    assert wrong.status_code == 422 and "step" in str(wrong.json())
    ok = api.post(
        f"/api/recovery/cases/{case.pk}/steps", {"step": "acknowledge"}, "application/json"
    )
    assert ok.status_code == 201 and ok.json()["steps"][0]["actor_id"] == agent_north.pk
    closed = api.post(
        f"/api/recovery/cases/{case.pk}/close",
        {"root_cause_id": cause.pk, "what_changed": "New courier"},
        "application/json",
    )
    assert closed.status_code == 200 and closed.json()["root_cause"] == cause.name
    rates = api.get("/api/recovery/rates").json()
    assert rates["overall"]["waiting"] == 1
    other = Client(headers={"Authorization": f"Bearer {issue_token(agent_south)}"})
    assert other.get(f"/api/recovery/cases/{case.pk}").status_code == 404
    assert other.get("/api/recovery/cases?status=closed").json()["items"] == []
