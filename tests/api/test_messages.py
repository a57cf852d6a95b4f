"""Messages of a conversation: delivery state, errors and attachments with download links."""

import pytest

from helpline.channels.email import outbox
from helpline.conversations import actions
from helpline.conversations.models import Message
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


def test_it_lists_a_conversations_messages_oldest_first(nora_api, agent_north, north_conversation):
    actions.add_note(agent_north, north_conversation, "Checking with the courier.")

    body = nora_api.get(f"/conversations/{north_conversation.pk}/messages").json()

    assert [m["direction"] for m in body["items"]] == ["inbound", "note"]
    assert body["items"][0]["identity"]["value"] == "maria@example.com"
    assert body["items"][1]["author"]["username"] == "nora"
    assert body["next_cursor"] is None


def test_a_message_shows_its_attachments_with_a_download_link(nora_api, north_conversation):
    message = north_conversation.messages.get()
    attachment = message.attachments.get()

    body = nora_api.get(f"/messages/{message.pk}").json()

    assert body["attachments"] == [
        {
            "id": attachment.pk,
            "filename": "invoice.pdf",
            "content_type": "application/pdf",
            "size": len(b"%PDF-1.4 test"),
            "inline": False,
            "url": f"http://testserver/attachments/{attachment.pk}/",
        }
    ]


def test_a_failed_delivery_shows_its_error(nora_api, agent_north, north_conversation, settings):
    reply = actions.reply(agent_north, north_conversation, "It ships today.")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.HELPLINE_OUTBOX_MAX_ATTEMPTS = 1
    outbox.deliver(reply.outbound.pk)

    body = nora_api.get(f"/messages/{reply.pk}").json()

    assert body["delivery"] == "failed"
    assert "ConnectionRefusedError" in body["delivery_error"]


def test_it_pages_through_a_long_conversation(nora_api, agent_north, north_conversation):
    for n in range(6):
        actions.add_note(agent_north, north_conversation, f"note {n}")
    path = f"/conversations/{north_conversation.pk}/messages"

    first = nora_api.get(path, limit=4).json()
    second = nora_api.get(path, limit=4, cursor=first["next_cursor"]).json()

    assert len(first["items"]) == 4
    assert len(second["items"]) == 3
    assert second["next_cursor"] is None
    seen = [m["id"] for m in first["items"] + second["items"]]
    expected = list(
        Message.objects.filter(conversation=north_conversation)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )
    assert seen == expected
