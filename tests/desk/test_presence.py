"""Who else is on a conversation: heartbeats in the shared cache, seen by the other agents."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from helpline.conversations import actions
from helpline.conversations.receive import receive
from helpline.realtime import presence
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(north):
    return receive(email_from(subject="Order 123", location=north)).message.conversation


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def beat(client, conversation, **fields) -> dict:
    response = client.post(reverse("desk:conversation-presence", args=[conversation.pk]), fields)
    assert response.status_code == 200
    return response.json()


def test_an_agent_sees_who_else_is_viewing_and_typing(conversation, agent_north, admin):
    nora, ada = client_for(agent_north), client_for(admin)

    assert beat(nora, conversation)["others"] == []  # alone: nobody else is shown
    assert beat(ada, conversation)["others"] == [{"name": "Nora", "typing": False}]
    assert beat(nora, conversation, typing="1")["others"] == [{"name": "Ada", "typing": False}]
    assert beat(ada, conversation)["others"] == [{"name": "Nora", "typing": True}]


def test_presence_is_per_conversation(conversation, north, agent_north, admin):
    other = receive(email_from("b@example.com", subject="Other", location=north))
    beat(client_for(agent_north), conversation)

    assert beat(client_for(admin), other.message.conversation)["others"] == []


def test_an_agent_who_leaves_is_gone_at_once(conversation, agent_north, admin):
    nora, ada = client_for(agent_north), client_for(admin)
    beat(nora, conversation)

    beat(nora, conversation, leaving="1")

    assert beat(ada, conversation)["others"] == []


def test_an_agent_who_stops_sending_heartbeats_drops_out(
    conversation, agent_north, admin, settings
):
    settings.HELPLINE_PRESENCE_SECONDS = 1
    nora, ada = client_for(agent_north), client_for(admin)
    beat(nora, conversation)
    assert beat(ada, conversation)["others"] == [{"name": "Nora", "typing": False}]

    time.sleep(2.1)  # past the expiry (the database cache keeps whole seconds)

    assert beat(ada, conversation)["others"] == []


def test_the_heartbeat_tells_the_latest_message(conversation, agent_north, admin):
    nora = client_for(agent_north)
    first = beat(nora, conversation)["latest_message_id"]
    assert first == conversation.messages.get().pk

    note = actions.add_note(admin, conversation, "Called the courier")

    assert beat(nora, conversation)["latest_message_id"] == note.pk


def test_the_page_offers_the_live_regions(conversation, agent_north):
    html = client_for(agent_north).get(reverse("desk:conversation", args=[conversation.pk]))
    html = html.content.decode()

    assert '<p id="presence" class="presence" aria-live="polite"></p>' in html
    assert 'id="new-message-notice"' in html
    assert f'data-latest-message="{conversation.messages.get().pk}"' in html
    assert reverse("desk:conversation-presence", args=[conversation.pk]) in html


def test_an_agent_of_another_location_can_neither_beat_nor_see(
    conversation, agent_north, agent_south
):
    beat(client_for(agent_north), conversation)
    url = reverse("desk:conversation-presence", args=[conversation.pk])

    assert client_for(agent_south).post(url, {"typing": "1"}).status_code == 404
    assert presence.others(conversation.pk, agent_north) == []  # nothing recorded for Sam


def test_the_heartbeat_needs_a_post_and_a_session(conversation, agent_north):
    url = reverse("desk:conversation-presence", args=[conversation.pk])

    assert client_for(agent_north).get(url).status_code == 405
    assert Client().post(url).status_code == 302


def test_the_heartbeat_needs_the_csrf_token(conversation, agent_north):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent_north)
    url = reverse("desk:conversation-presence", args=[conversation.pk])

    assert client.post(url, {"typing": "1"}).status_code == 403
