"""Settings → Chat: an admin adds a widget (a refused origin is named next to its field),
re-keys it, and sets an agent's chat limit."""

import pytest

from helpline.channels.chat.models import ChatAgent, ChatWidget

pytestmark = pytest.mark.django_db


def test_an_admin_sets_up_a_widget_and_a_chat_limit(client, admin, north, agent_north):
    client.force_login(admin)
    refused = client.post(
        "/settings/chat/new/",
        {"name": "Site", "location": north.pk, "origins": "https://shop.test\nshop.test/x"},
    )
    assert refused.status_code == 400
    assert "line 2: an origin is http(s)://host[:port], without a path" in refused.content.decode()
    assert not ChatWidget.objects.exists()
    added = client.post(
        "/settings/chat/new/",
        {"name": "Site", "location": north.pk, "origins": "https://shop.test"},
    )
    widget = ChatWidget.objects.get()
    assert added.status_code == 302
    page = client.get(f"/settings/chat/{widget.pk}/").content.decode()
    assert f"/chat/widget.js?key={widget.key}" in page
    client.post(f"/settings/chat/{widget.pk}/new-key/")
    assert ChatWidget.objects.get().key != widget.key
    client.post(f"/settings/chat/limits/{agent_north.pk}/", {"chat_limit": "5"})
    assert ChatAgent.objects.get(user=agent_north).chat_limit == 5
    refused = client.post(
        f"/settings/chat/limits/{agent_north.pk}/", {"chat_limit": "٥"}, follow=True
    )
    assert ChatAgent.objects.get(user=agent_north).chat_limit == 5
    assert "Chat limit of" in refused.content.decode()
