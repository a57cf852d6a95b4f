"""Every error is JSON naming the field to blame: {"detail": [{"field", "message"}]}."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_invalid_query_value_is_a_422_naming_the_parameter(nora_api, north_conversation):
    response = nora_api.get("/conversations", status="lost")

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == "status"
    assert "new" in error["message"]


def test_several_invalid_values_are_each_named(nora_api, north_conversation):
    response = nora_api.get("/conversations", priority="meh", assignee="you", customer="x")

    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json()["detail"])
    assert fields == ["assignee", "customer", "priority"]


def test_an_invalid_body_field_is_a_422_naming_it(nora_api, north_conversation):
    response = nora_api.patch(f"/conversations/{north_conversation.pk}", {"priority": "meh"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["priority"]


def test_a_missing_body_field_is_named(nora_api, north_conversation):
    response = nora_api.post(f"/conversations/{north_conversation.pk}/reply", {})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["text"]


def test_a_nested_list_item_is_named_with_its_index(nora_api, north):
    response = nora_api.post("/customers", {"name": "Kim", "emails": ["a@example.com", 5]})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["emails.1"]


def test_a_body_that_is_not_json_is_a_400_not_a_500(nora_api, north_conversation):
    response = nora_api.client.post(
        f"/api/conversations/{north_conversation.pk}/notes", "{not json", "application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"][0]["message"] == "Cannot parse request body"


def test_a_domain_refusal_is_a_400_naming_the_field(nora_api, north_conversation):
    response = nora_api.post(f"/conversations/{north_conversation.pk}/notes", {"text": "   "})

    assert response.status_code == 400
    assert response.json() == {"detail": [{"field": "text", "message": "a note needs text"}]}


def test_a_missing_object_is_a_404(nora_api, north):
    response = nora_api.get("/conversations/987654")

    assert response.status_code == 404
    assert response.json() == {"detail": [{"field": None, "message": "Not found"}]}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"location_id": 987654}, "location_id"),
        ({"team_id": 987654}, "team_id"),
    ],
)
def test_unknown_ids_when_starting_a_conversation_name_the_field(
    nora_api, north_conversation, body, field
):
    body = {"customer_id": north_conversation.customer_id, "channel": "phone", **body}

    response = nora_api.post("/conversations", body)

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == field


@pytest.mark.parametrize(
    "body, field",
    [
        ({"assignee_id": 987654}, "assignee_id"),
        ({"team_id": 987654}, "team_id"),
        ({"team_id": None}, "team_id"),
        ({"status": None}, "status"),
        ({"tags": None}, "tags"),
    ],
)
def test_unknown_or_null_values_when_changing_a_conversation_name_the_field(
    nora_api, north_conversation, body, field
):
    response = nora_api.patch(f"/conversations/{north_conversation.pk}", body)

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == field


def test_an_unknown_location_for_a_customer_names_the_field(nora_api, north):
    response = nora_api.post("/customers", {"name": "Kim", "location_id": 987654})

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "location_id"


def test_a_moment_without_a_time_zone_is_refused_naming_the_field(nora_api, north_conversation):
    response = nora_api.get("/conversations", updated_since="2025-01-31T09:00:00")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["updated_since"]


@pytest.mark.parametrize(
    "path", ["/conversations?tag=a%00", "/customers?q=a%00", "/search/customers?q=a%00b@c"]
)
def test_a_nul_byte_in_a_filter_is_a_4xx_not_a_500(path, api_as, admin):
    response = api_as(admin).get(path)
    assert 400 <= response.status_code < 500
