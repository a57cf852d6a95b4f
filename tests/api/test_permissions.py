"""Who sees what: an agent only their locations' work, an admin everything, and what an
agent may not see does not exist for them (404, never 403)."""

import pytest

from helpline.channels.email.models import OutboundEmail
from helpline.conversations.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def north_paths(north_conversation):
    message = north_conversation.messages.get()
    return {
        "conversation": f"/conversations/{north_conversation.pk}",
        "messages": f"/conversations/{north_conversation.pk}/messages",
        "message": f"/messages/{message.pk}",
        "customer": f"/customers/{north_conversation.customer_id}",
    }


@pytest.mark.parametrize("what", ["conversation", "messages", "message", "customer"])
def test_an_agent_of_another_location_gets_404(sam_api, north_paths, what):
    response = sam_api.get(north_paths[what])

    assert response.status_code == 404
    assert response.json() == {"detail": [{"field": None, "message": "Not found"}]}


@pytest.mark.parametrize("what", ["conversation", "messages", "message", "customer"])
def test_an_agent_of_the_location_sees_it(nora_api, north_paths, what):
    assert nora_api.get(north_paths[what]).status_code == 200


@pytest.mark.parametrize("what", ["conversation", "messages", "message", "customer"])
def test_an_admin_sees_everything(ada_api, north_paths, what):
    assert ada_api.get(north_paths[what]).status_code == 200


@pytest.mark.parametrize("what", ["conversation", "messages", "message", "customer"])
def test_without_a_token_nothing_is_shown(north_paths, what):
    from tests.api.conftest import ApiClient

    assert ApiClient().get(north_paths[what]).status_code == 401


def test_lists_hold_only_the_agents_locations(
    nora_api, sam_api, ada_api, north_conversation, south_conversation
):
    def listed(api, path):
        return {item["id"] for item in api.get(path).json()["items"]}

    north, south = north_conversation, south_conversation
    assert listed(nora_api, "/conversations") == {north.pk}
    assert listed(sam_api, "/conversations") == {south.pk}
    assert listed(ada_api, "/conversations") == {north.pk, south.pk}
    assert listed(nora_api, "/customers") == {north.customer_id}
    assert listed(sam_api, "/customers") == {south.customer_id}
    assert listed(ada_api, "/customers") == {north.customer_id, south.customer_id}


def test_filtering_by_another_location_shows_nothing(sam_api, north, north_conversation):
    assert sam_api.get("/conversations", location=north.pk).json()["items"] == []


def test_an_agent_of_another_location_cannot_change_reply_or_note(
    sam_api, north_conversation, south
):
    path = f"/conversations/{north_conversation.pk}"

    responses = [
        sam_api.patch(path, {"status": "solved"}),
        sam_api.post(f"{path}/reply", {"text": "Hi"}),
        sam_api.post(f"{path}/notes", {"text": "Hi"}),
        sam_api.patch(f"/customers/{north_conversation.customer_id}", {"name": "X"}),
        sam_api.post(f"/customers/{north_conversation.customer_id}/notes", {"body": "X"}),
        sam_api.post(
            f"/customers/{north_conversation.customer_id}/identities",
            {"kind": "email", "value": "x@example.com"},
        ),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    north_conversation.refresh_from_db()
    assert north_conversation.status == "new"
    assert Message.objects.filter(conversation=north_conversation).count() == 1
    assert not OutboundEmail.objects.exists()


def test_an_agent_cannot_start_a_conversation_for_another_locations_customer(
    sam_api, north_conversation
):
    response = sam_api.post(
        "/conversations", {"customer_id": north_conversation.customer_id, "channel": "phone"}
    )

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "customer_id"


def test_an_agent_cannot_move_a_conversation_into_a_location_they_do_not_serve(
    sam_api, north, south_conversation
):
    response = sam_api.post(
        "/conversations",
        {
            "customer_id": south_conversation.customer_id,
            "channel": "phone",
            "location_id": north.pk,
        },
    )

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "location_id"
