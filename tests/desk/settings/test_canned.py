"""Canned replies written in the desk's settings, and what agents then insert."""

import pytest
from django.test import Client

from helpline.conversations.models import CannedReply
from helpline.core.models import Activity
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_writes_a_canned_reply_that_agents_insert(admin, agent_north, north):
    response = signed_in(admin).post(
        "/settings/canned-replies/new/",
        {"title": "Refund", "body": "Hello {{customer.first_name}}, your refund is on its way."},
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get()
    assert reply.location is None
    conversation = write_in(north, "maria@example.com", "Refund?", name="Maria Lopez")
    page = signed_in(agent_north).get(f"/conversations/{conversation.pk}/").content.decode()
    assert "Hello Maria, your refund is on its way." in page


def test_editing_a_canned_reply_logs_what_changed(admin, north):
    reply = CannedReply.objects.create(title="Refund", body="On its way.")
    response = signed_in(admin).post(
        f"/settings/canned-replies/{reply.pk}/",
        {"title": "Refund", "body": "On its way.", "location": north.pk},
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.location == north
    assert Activity.objects.get(verb="canned_reply.updated").data["changed"] == {
        "location": [None, north.pk]
    }


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"title": " "}, "title", "A canned reply needs a title agents pick it by."),
        ({"body": ""}, "body", "Write the text agents insert."),
        ({"body": "   "}, "body", "Write the text agents insert."),
    ],
)
def test_a_refused_canned_reply_says_why(admin, fields, field, words):
    data = {"title": "Refund", "body": "On its way.", **fields}
    response = signed_in(admin).post("/settings/canned-replies/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    start = page.index(f'id="id_{field}_error"')
    assert words in page[start : start + 300]
    assert not CannedReply.objects.exists()


def test_agents_may_not_write_canned_replies(agent_north):
    client = signed_in(agent_north)
    response = client.post("/settings/canned-replies/new/", {"title": "Mine", "body": "Hi"})
    assert response.status_code == 403
    assert not CannedReply.objects.exists()
