"""Attachments are downloaded only by an agent who may see the conversation, and are
served so that a browser never runs what a customer sent."""

import pytest
from django.test import Client

from helpline.conversations.receive import IncomingAttachment, receive
from helpline.core.tokens import issue_token
from tests.conftest import email_from

pytestmark = pytest.mark.django_db

SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def attach(location, filename: str, content_type: str, content: bytes = b"data"):
    message = receive(
        email_from(
            subject="Files",
            text="See attached.",
            location=location,
            attachments=[IncomingAttachment(filename, content_type, content)],
        )
    ).message
    return message.attachments.get()


def url(attachment) -> str:
    return f"/attachments/{attachment.pk}/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_logged_in_agent_of_the_location_downloads_it(north, agent_north):
    attachment = attach(north, "invoice.pdf", "application/pdf", b"%PDF-1.4 bytes")

    response = logged_in(agent_north).get(url(attachment))

    assert response.status_code == 200
    assert body(response) == b"%PDF-1.4 bytes"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "filename*=UTF-8''invoice.pdf" in response["Content-Disposition"]
    assert {k: response[k] for k in SAFE_HEADERS} == SAFE_HEADERS


def test_an_agent_with_a_token_downloads_it(north, agent_north):
    attachment = attach(north, "note.txt", "text/plain; charset=iso-8859-1", b"caf\xe9")
    client = Client(headers={"Authorization": f"Bearer {issue_token(agent_north, 'cli')}"})

    response = client.get(url(attachment))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=iso-8859-1"


def test_an_admin_downloads_from_every_location(north, admin):
    attachment = attach(north, "photo.png", "image/png", b"\x89PNG")

    assert logged_in(admin).get(url(attachment)).status_code == 200


def test_an_agent_of_another_location_gets_404(north, agent_south):
    attachment = attach(north, "invoice.pdf", "application/pdf")

    assert logged_in(agent_south).get(url(attachment)).status_code == 404


def test_a_token_of_another_location_gets_404(north, agent_south):
    attachment = attach(north, "invoice.pdf", "application/pdf")
    client = Client(headers={"Authorization": f"Bearer {issue_token(agent_south, 'cli')}"})

    assert client.get(url(attachment)).status_code == 404


def test_nobody_else_gets_anything(north):
    attachment = attach(north, "invoice.pdf", "application/pdf")

    assert Client().get(url(attachment)).status_code == 404
    assert (
        Client(headers={"Authorization": "Bearer hlp_wrong"}).get(url(attachment)).status_code
        == 404
    )


def test_an_unknown_attachment_is_404(agent_north):
    assert logged_in(agent_north).get("/attachments/987654/").status_code == 404


@pytest.mark.parametrize(
    "filename, declared",
    [
        ("page.html", "text/html"),
        ("logo.svg", "image/svg+xml"),
        ("setup.exe", "application/x-msdownload"),
        ("run.js", "application/javascript"),
        ("page.xhtml", "application/xhtml+xml"),
        ("mystery", "application/x-unknown"),
        ("sneaky.png", "IMAGE/SVG+XML; charset=utf-8"),
        ("spoof.txt", "text/plain\r\nX-Injected: 1"),
        ("nothing", ""),
    ],
)
def test_active_or_unknown_content_is_always_an_opaque_download(
    north, agent_north, filename, declared
):
    attachment = attach(north, filename, declared, b"<script>alert(1)</script>")

    response = logged_in(agent_north).get(url(attachment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert {k: response[k] for k in SAFE_HEADERS} == SAFE_HEADERS
    assert not response.has_header("X-Injected")


@pytest.mark.parametrize(
    "declared", ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"]
)
def test_inert_types_are_shown_inline_unless_a_download_is_asked_for(north, agent_north, declared):
    attachment = attach(north, "file", declared)
    client = logged_in(agent_north)

    shown = client.get(url(attachment))
    downloaded = client.get(url(attachment), {"download": "1"})

    assert (shown["Content-Type"], shown["Content-Disposition"].split(";")[0]) == (
        declared,
        "inline",
    )
    assert downloaded["Content-Disposition"].split(";")[0] == "attachment"


def test_a_hostile_filename_is_encoded_and_cannot_break_the_header(north, agent_north):
    attachment = attach(north, 'r\u00e9sum\u00e9 "final"\r\n;.pdf', "application/pdf")

    disposition = logged_in(agent_north).get(url(attachment))["Content-Disposition"]

    assert "\r" not in disposition and "\n" not in disposition
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%0D%0A%3B.pdf" in disposition
    assert 'filename="r_sum_ _final____.pdf"' in disposition


def test_only_reading_is_allowed(north, agent_north):
    attachment = attach(north, "invoice.pdf", "application/pdf")

    assert logged_in(agent_north).post(url(attachment)).status_code == 405
