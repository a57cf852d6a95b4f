import pytest

from helpline.channels.chat import actions, tokens, visitor
from helpline.channels.chat.models import ChatWidget

SITE = "http://shop.test:8000"


@pytest.fixture
def widget(north, mailbox):
    return ChatWidget.objects.create(
        name="Shop site", location=north, mailbox=mailbox, allowed_origins=SITE
    )


@pytest.fixture
def visit(widget):
    """A visitor of the widget, as the socket's handshake makes them."""
    return visitor.open_visit(widget.key, SITE, "")


@pytest.fixture
def online(agent_north):
    actions.seen(agent_north)
    return agent_north


def say(visit, text, client_id, **more):
    return visitor.handle(visit, {"type": "message", "id": client_id, "text": text, **more})


__all__ = ["tokens"]
