"""Named examples for the API: a customer and a conversation at each location, and
clients that call the API with an agent's token."""

import json

import pytest
from django.test import Client

from helpline.conversations.receive import IncomingAttachment, receive
from helpline.core.tokens import issue_token
from tests.conftest import email_from


class ApiClient:
    """Django's test client speaking JSON with a Bearer token (or none)."""

    def __init__(self, key: str | None = None, **client_kwargs):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = Client(headers=headers, **client_kwargs)

    def get(self, path: str, **params):
        return self.client.get(f"/api{path}", params)

    def post(self, path: str, body: dict):
        return self.client.post(f"/api{path}", json.dumps(body), content_type="application/json")

    def patch(self, path: str, body: dict):
        return self.client.patch(f"/api{path}", json.dumps(body), content_type="application/json")

    def delete(self, path: str):
        return self.client.delete(f"/api{path}")


@pytest.fixture
def api_as():
    def make(user) -> ApiClient:
        return ApiClient(issue_token(user, "tests"))

    return make


@pytest.fixture
def nora_api(api_as, agent_north):
    return api_as(agent_north)


@pytest.fixture
def sam_api(api_as, agent_south):
    return api_as(agent_south)


@pytest.fixture
def ada_api(api_as, admin):
    return api_as(admin)


def write_in(location, sender: str, subject: str, text: str = "Hello", **extra):
    """A customer's email arriving at `location` through the one receive path."""
    return receive(
        email_from(sender, subject=subject, text=text, location=location, **extra)
    ).message


@pytest.fixture
def north_conversation(north):
    """Maria wrote to North Street, with an invoice attached."""
    message = write_in(
        north,
        "maria@example.com",
        "Order 123",
        "Where is it?",
        name="Maria Lopez",
        attachments=[IncomingAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 test")],
    )
    return message.conversation


@pytest.fixture
def south_conversation(south):
    """Jonas wrote to South Mall."""
    message = write_in(south, "jonas@example.de", "Rechnung", "Bitte", name="Jonas Weber")
    return message.conversation
