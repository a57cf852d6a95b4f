"""A strict Content-Security-Policy on every response: this site's scripts, styles and
images only, nothing inline, except a script that carries the request's nonce."""

import re

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.template import engines
from django.test import Client, RequestFactory

from helpline.conversations.receive import IncomingAttachment, receive
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def test_desk_pages_and_the_api_answer_with_the_policy(agent_north):
    client = Client()
    signed_out = directives(client.get("/sign-in/"))
    client.force_login(agent_north)

    for policy in (
        signed_out,
        directives(client.get("/")),
        directives(client.get("/api/customers")),
    ):
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]  # no nonce where no page used one
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert not any("unsafe" in value for values in policy.values() for value in values)


def test_an_inline_script_runs_only_with_the_nonce_the_header_names():
    template = engines["django"].from_string(
        '<script nonce="{{ request.csp_nonce }}">start()</script>'
    )

    def page(request):
        return HttpResponse(template.render({}, request))

    request = RequestFactory().get("/")
    response = CSPMiddleware(page)(request)

    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert directives(response)["script-src"] == ["'self'", f"'nonce-{nonce}'"]


def test_an_attachment_keeps_its_own_stricter_policy(agent_north, north):
    message = receive(
        email_from(
            "maria@example.com",
            location=north,
            attachments=[IncomingAttachment("page.html", "text/html", b"<script>x()</script>")],
        )
    ).message
    client = Client()
    client.force_login(agent_north)

    response = client.get(f"/attachments/{message.attachments.get().pk}/")

    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
