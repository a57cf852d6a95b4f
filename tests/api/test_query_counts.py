"""List endpoints cost the same few queries however many rows a page holds."""

import pytest

from helpline.conversations import actions
from helpline.conversations.receive import IncomingAttachment
from tests.api.conftest import write_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(north, agent_north, admin):
    """Twenty conversations, each tagged, assigned, with a note and an attachment."""
    conversations = []
    for n in range(20):
        conversation = write_in(
            north,
            f"customer{n}@example.com",
            f"Question {n}",
            attachments=[IncomingAttachment(f"photo{n}.png", "image/png", b"\x89PNG")],
        ).conversation
        actions.set_tags(admin, conversation, ["vip", f"topic-{n % 3}"])
        actions.assign(admin, conversation, assignee=agent_north)
        actions.add_note(agent_north, conversation, "Looking into it.")
        conversations.append(conversation)
    return conversations


# Each call: the token lookup, its last-use stamp and the agent's locations (3 queries),
# then the page and one query per prefetched relation.
def test_listing_conversations_takes_a_fixed_number_of_queries(
    nora_api, many, django_assert_max_num_queries
):
    # Token, locations, the page, then its tags, locations and teams.
    with django_assert_max_num_queries(7):
        response = nora_api.get("/conversations", limit=20)

    assert len(response.json()["items"]) == 20


def test_listing_customers_takes_a_fixed_number_of_queries(
    nora_api, many, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):  # + their custom values
        response = nora_api.get("/customers", limit=20, q="example")

    assert len(response.json()["items"]) == 20


def test_listing_messages_takes_a_fixed_number_of_queries(
    nora_api, agent_north, many, django_assert_max_num_queries
):
    conversation = many[0]
    for n in range(10):
        actions.add_note(agent_north, conversation, f"note {n}")

    with django_assert_max_num_queries(6):
        response = nora_api.get(f"/conversations/{conversation.pk}/messages")

    assert len(response.json()["items"]) == 12


def test_showing_a_customer_takes_a_fixed_number_of_queries(
    nora_api, many, django_assert_max_num_queries
):
    with django_assert_max_num_queries(7):  # + its custom values
        response = nora_api.get(f"/customers/{many[0].customer_id}")

    assert response.status_code == 200
