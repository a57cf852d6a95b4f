"""Who may call the API: a Bearer token, or a logged-in desk session with its CSRF token."""

import json

import pytest
from django.test import Client

from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_a_call_without_a_token_is_refused_with_401(north_conversation):
    response = ApiClient().get("/conversations")

    assert response.status_code == 401
    assert response.json() == {"detail": [{"field": None, "message": "Unauthorized"}]}
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_write_without_a_token_is_refused_with_401_not_a_csrf_error(north_conversation):
    response = ApiClient().post(f"/conversations/{north_conversation.pk}/notes", {"text": "x"})

    assert response.status_code == 401


def test_a_wrong_token_is_refused(north_conversation):
    response = ApiClient("hlp_not-a-real-key").get("/conversations")

    assert response.status_code == 401


def test_a_logged_in_agent_reads_the_api_with_the_session(agent_north, north_conversation):
    client = Client()
    client.force_login(agent_north)

    response = client.get("/api/conversations")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [north_conversation.pk]


def test_a_session_write_needs_the_csrf_token(agent_north, north_conversation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent_north)
    path = f"/api/conversations/{north_conversation.pk}/notes"
    body = json.dumps({"text": "Called back."})

    refused = client.post(path, body, content_type="application/json")
    client.get("/")  # any page with a form hands out the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(path, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 201
