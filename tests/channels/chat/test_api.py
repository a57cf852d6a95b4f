"""/api/chats and /api/chat-widgets: chats like their conversations, widgets for admins; bad
values name their field."""

import pytest

from helpline.channels.chat import actions, visitor
from helpline.channels.chat.models import ChatWidget
from helpline.core.tokens import issue_token
from tests.api.conftest import ApiClient
from tests.channels.chat.conftest import SITE, say

pytestmark = pytest.mark.django_db


def api(user) -> ApiClient:
    return ApiClient(issue_token(user, "tests"))


def test_an_admin_creates_changes_and_rekeys_a_widget(admin, north, mailbox):
    refused = api(admin).post(
        "/chat-widgets", {"name": "Site", "location_id": north.pk, "allowed_origins": ["shop"]}
    )
    assert refused.status_code == 400
    assert refused.json()["detail"][0]["field"] == "origins"
    missing = api(admin).post("/chat-widgets", {"name": "Site", "location_id": 999999})
    assert missing.status_code == 400 and missing.json()["detail"][0]["field"] == "location_id"
    created = api(admin).post(
        "/chat-widgets",
        {
            "name": "Site",
            "location_id": north.pk,
            "mailbox_id": mailbox.pk,
            "allowed_origins": ["https://shop.test"],
        },
    )
    assert created.status_code == 201
    widget = created.json()
    assert widget["allowed_origins"] == ["https://shop.test"] and widget["key"].startswith("w_")
    changed = api(admin).patch(f"/chat-widgets/{widget['id']}", {"active": False}).json()
    assert changed["active"] is False and changed["allowed_origins"] == ["https://shop.test"]
    rotated = api(admin).post(f"/chat-widgets/{widget['id']}/rotate-key", {}).json()
    assert rotated["key"] != widget["key"] and rotated["rotated_at"]
    assert ChatWidget.objects.get().key == rotated["key"]


def test_chats_are_listed_with_their_wait_for_those_who_see_their_conversation(
    widget, agent_north, agent_south
):
    other = visitor.open_visit(widget.key, SITE, "")
    assert say(other, "Hi", "c2")[0]["type"] == "offline"  # nobody online yet
    actions.seen(agent_north)
    say(other, "Hi", "c2")
    chats = api(agent_north).get("/chats").json()["items"]
    assert [c["status"] for c in chats] == ["active"]
    chat = chats[0]
    assert chat["agent_id"] == agent_north.pk and chat["wait_seconds"] >= 0
    messages = api(agent_north).get(f"/conversations/{chat['conversation_id']}/messages").json()
    assert [m["text"] for m in messages["items"]] == ["Hi"]
    assert api(agent_south).get("/chats").json()["items"] == []
    assert api(agent_south).get(f"/chats/{chat['id']}").status_code == 404
    ended = api(agent_north).post(f"/chats/{chat['id']}/end", {}).json()
    assert ended["status"] == "ended" and ended["ended_by"] == "agent"
    assert api(agent_north).get("/chats", status="active").json()["items"] == []
