"""Merging customers through the API, and undoing a merge."""

import pytest

from helpline.core.models import Activity
from helpline.customers import actions
from helpline.customers.models import Customer
from tests.api.conftest import ApiClient, write_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria(north):
    """The customer North Street knows, with a conversation and a note."""
    message = write_in(north, "maria@example.com", "Kettle", name="Maria Lopez")
    customer = message.conversation.customer
    actions.add_note(None, customer, "Prefers email.")
    return customer


@pytest.fixture
def maria_at_work(north):
    """The same person from her work address, not yet known to be her."""
    return write_in(north, "m.lopez@work.example", "Invoice").conversation.customer


@pytest.fixture
def jonas(south):
    return write_in(south, "jonas@example.de", "Rechnung", name="Jonas Weber").conversation.customer


def errors_of(response) -> list[tuple[str | None, str]]:
    return [(item["field"], item["message"]) for item in response.json()["detail"]]


def fields_of(response) -> list[str | None]:
    return [field for field, _ in errors_of(response)]


def merge(api, source, into):
    return api.post(f"/customers/{source.pk}/merge", {"into_id": into.pk})


def undo(api, merge_id):
    return api.post(f"/customers/merges/{merge_id}/undo", {})


# The happy path


def test_a_merge_moves_identities_and_conversations_onto_the_target(nora_api, maria, maria_at_work):
    response = merge(nora_api, maria_at_work, maria)

    assert response.status_code == 200
    body = response.json()
    customer = body["customer"]
    assert customer["id"] == maria.pk
    assert customer["merged_into_id"] is None
    assert {i["value"] for i in customer["identities"]} == {
        "maria@example.com",
        "m.lopez@work.example",
    }
    assert [n["body"] for n in customer["notes"]] == ["Prefers email."]
    assert maria.conversations.count() == 2
    assert maria_at_work.conversations.count() == 0
    activity = Activity.objects.get(pk=body["merge_id"])
    assert activity.verb == "customer.merged"
    assert activity.data["source_id"] == maria_at_work.pk


def test_the_merge_answer_shows_the_target_as_reading_it_does(nora_api, maria, maria_at_work):
    body = merge(nora_api, maria_at_work, maria).json()

    assert body["customer"] == nora_api.get(f"/customers/{maria.pk}").json()


def test_a_merged_customer_leaves_the_list_but_reads_by_id_as_merged(
    nora_api, maria, maria_at_work
):
    merge(nora_api, maria_at_work, maria)

    listed = [c["id"] for c in nora_api.get("/customers").json()["items"]]
    response = nora_api.get(f"/customers/{maria_at_work.pk}")

    assert listed == [maria.pk]
    assert response.status_code == 200
    assert response.json()["merged_into_id"] == maria.pk
    assert response.json()["identities"] == []


def test_the_merged_customers_conversations_are_listed_under_the_target(
    nora_api, maria, maria_at_work
):
    merge(nora_api, maria_at_work, maria)

    items = nora_api.get("/conversations", customer=maria.pk).json()["items"]

    assert {c["subject"] for c in items} == {"Kettle", "Invoice"}
    assert {c["customer"]["id"] for c in items} == {maria.pk}


def test_undo_gives_the_merged_customer_back_what_it_had(nora_api, maria, maria_at_work):
    merge_id = merge(nora_api, maria_at_work, maria).json()["merge_id"]

    response = undo(nora_api, merge_id)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == maria_at_work.pk
    assert body["merged_into_id"] is None
    assert [i["value"] for i in body["identities"]] == ["m.lopez@work.example"]
    assert maria_at_work.conversations.count() == 1
    assert maria.conversations.count() == 1
    listed = {c["id"] for c in nora_api.get("/customers").json()["items"]}
    assert listed == {maria.pk, maria_at_work.pk}
    assert Activity.objects.get(verb="customer.unmerged").data["merge_id"] == merge_id


def test_an_admin_merges_customers_of_different_locations(ada_api, maria, jonas):
    response = merge(ada_api, jonas, maria)

    assert response.status_code == 200
    assert jonas.conversations.count() == 0
    assert undo(ada_api, response.json()["merge_id"]).status_code == 200


# Who may merge what


def test_an_agent_cannot_merge_a_customer_of_another_location(sam_api, maria, jonas):
    response = merge(sam_api, maria, jonas)

    assert response.status_code == 404
    assert errors_of(response) == [(None, "Not found")]
    assert Customer.objects.get(pk=maria.pk).merged_into_id is None


def test_an_agent_cannot_merge_into_a_customer_of_another_location(nora_api, maria, jonas):
    response = merge(nora_api, maria, jonas)

    assert response.status_code == 400
    assert fields_of(response) == ["into_id"]
    assert maria.conversations.count() == 1


def test_an_unseen_target_reads_the_same_as_one_that_does_not_exist(nora_api, maria, jonas):
    unseen = merge(nora_api, maria, jonas)
    missing = nora_api.post(f"/customers/{maria.pk}/merge", {"into_id": 10**9})

    assert unseen.status_code == missing.status_code == 400
    assert unseen.json() == missing.json()


def test_a_missing_customer_cannot_be_merged(nora_api, maria):
    response = nora_api.post("/customers/999999/merge", {"into_id": maria.pk})

    assert response.status_code == 404


def test_an_agent_cannot_undo_a_merge_at_another_location(nora_api, sam_api, maria, maria_at_work):
    merge_id = merge(nora_api, maria_at_work, maria).json()["merge_id"]

    response = undo(sam_api, merge_id)

    assert response.status_code == 404
    assert Customer.objects.get(pk=maria_at_work.pk).merged_into_id == maria.pk


def test_an_agent_cannot_undo_a_merge_that_took_in_a_customer_they_do_not_serve(
    ada_api, nora_api, maria, jonas
):
    merge_id = merge(ada_api, jonas, maria).json()["merge_id"]

    response = undo(nora_api, merge_id)

    assert response.status_code == 400
    assert fields_of(response) == ["merge_id"]
    assert Customer.objects.get(pk=jonas.pk).merged_into_id == maria.pk


def test_a_request_without_a_token_is_refused(maria, maria_at_work):
    response = merge(ApiClient(), maria_at_work, maria)

    assert response.status_code == 401


# Refusals and error shapes


def test_a_customer_cannot_be_merged_into_itself(nora_api, maria):
    response = merge(nora_api, maria, maria)

    assert response.status_code == 400
    assert fields_of(response) == ["into_id"]


def test_an_already_merged_customer_cannot_be_merged_again(nora_api, maria, maria_at_work, north):
    other = actions.create_customer(None, name="Otto", location=north)
    merge(nora_api, maria_at_work, maria)

    response = merge(nora_api, maria_at_work, other)

    assert response.status_code == 400
    assert fields_of(response) == ["customer_id"]


def test_a_merged_customer_cannot_take_in_another(nora_api, maria, maria_at_work, north):
    other = actions.create_customer(None, name="Otto", location=north)
    merge(nora_api, maria_at_work, maria)

    response = merge(nora_api, other, maria_at_work)

    assert response.status_code == 400
    assert fields_of(response) == ["into_id"]


def test_a_merge_without_a_target_names_the_missing_field(nora_api, maria):
    response = nora_api.post(f"/customers/{maria.pk}/merge", {})

    assert response.status_code == 422
    assert fields_of(response) == ["into_id"]


def test_a_merge_cannot_be_undone_twice(nora_api, maria, maria_at_work):
    merge_id = merge(nora_api, maria_at_work, maria).json()["merge_id"]
    undo(nora_api, merge_id)

    response = undo(nora_api, merge_id)

    assert response.status_code == 400
    assert errors_of(response) == [("merge_id", "that merge was already undone")]


def test_a_merge_whose_target_was_merged_again_is_not_undone(nora_api, maria, maria_at_work, north):
    other = actions.create_customer(None, name="Otto", location=north)
    first = merge(nora_api, maria_at_work, maria).json()["merge_id"]
    merge(nora_api, maria, other)

    response = undo(nora_api, first)

    assert response.status_code == 400
    assert fields_of(response) == ["merge_id"]
    assert Customer.objects.get(pk=maria_at_work.pk).merged_into_id == maria.pk


def test_undoing_an_unknown_merge_is_not_found(nora_api):
    response = undo(nora_api, 999999)

    assert response.status_code == 404
    assert errors_of(response) == [(None, "Not found")]


def test_undoing_an_activity_that_is_not_a_merge_is_not_found(nora_api, maria, agent_north):
    actions.update_customer(agent_north, maria, name="María López")
    activity = Activity.objects.get(verb="customer.updated")

    response = undo(nora_api, activity.pk)

    assert response.status_code == 404


def test_both_operations_are_described_in_the_openapi_spec(ada_api):
    paths = ada_api.get("/openapi.json").json()["paths"]

    merge_op = paths["/api/customers/{customer_id}/merge"]["post"]
    undo_op = paths["/api/customers/merges/{merge_id}/undo"]["post"]
    assert "merge_id" in merge_op["description"]
    assert set(merge_op["responses"]) >= {"200", "400", "404"}
    assert set(undo_op["responses"]) >= {"200", "400", "404"}
