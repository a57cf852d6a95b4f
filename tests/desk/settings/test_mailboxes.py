"""Mailboxes in the desk's settings, and "Test connection" against a real Dovecot and SMTP."""

import re

import pytest
from django.test import Client

from helpline.core.models import Activity, Mailbox
from tests.browser import screenshot, sign_in
from tests.channels.email.imap_server import ImapServer, can_run
from tests.conftest import free_port, require

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def imap_server():
    ok, reason = can_run()
    require(ok, reason)
    server = ImapServer.start()
    yield server
    server.stop()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mailbox_form(**fields) -> dict:
    return {
        "address": "help@shop.test",
        "name": "Shop Help",
        "delivery": "imap",
        "imap_host": "imap.shop.test",
        "imap_port": "993",
        "imap_ssl": "on",
        "imap_user": "",
        "imap_password": "s3cret",
        "imap_folder": "INBOX",
        "send_acknowledgement": "on",
        "active": "on",
        **fields,
    }


def report(response) -> str:
    page = response.content.decode()
    start = page.index('id="connection-report"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start : page.index("</ul>", start)]))


def imap_mailbox(admin, imap_server, folder="INBOX", password=None) -> Mailbox:
    client = signed_in(admin)
    response = client.post(
        "/settings/mailboxes/new/",
        mailbox_form(
            imap_host=imap_server.host,
            imap_port=str(imap_server.port),
            imap_ssl="",
            imap_user=imap_server.user,
            imap_password=password or imap_server.password,
            imap_folder=folder,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Mailbox.objects.get(address="help@shop.test")


@pytest.mark.imap
def test_test_connection_signs_in_over_imap_and_asks_smtp(admin, imap_server, smtp_server):
    imap_server.fresh_folder("SettingsTest")
    imap_server.append("SettingsTest", [b"Subject: hi\r\n\r\nHello\r\n"])
    mailbox = imap_mailbox(admin, imap_server, folder="SettingsTest")
    assert mailbox.imap_password() == imap_server.password
    response = signed_in(admin).post(f"/settings/mailboxes/{mailbox.pk}/test/")
    assert response.status_code == 200
    said = report(response)
    assert (
        f"Incoming mail (IMAP): works. Signed in to {imap_server.host}:{imap_server.port} "
        f"as {imap_server.user}; the folder “SettingsTest” holds 1 message." in said
    )
    assert "Outgoing mail (SMTP): works." in said
    assert "takes mail from help@shop.test" in said
    assert smtp_server.messages == []  # nothing was sent


@pytest.mark.imap
def test_test_connection_says_a_wrong_password_is_refused(admin, imap_server, settings):
    mailbox = imap_mailbox(admin, imap_server, password="not-the-password")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    said = report(signed_in(admin).post(f"/settings/mailboxes/{mailbox.pk}/test/"))
    assert f"refused the user name {imap_server.user} or its password. Check both." in said
    assert "Outgoing mail (SMTP): does not work. Nothing answers at 127.0.0.1:" in said


@pytest.mark.imap
def test_test_connection_names_a_missing_folder(admin, imap_server, smtp_server):
    mailbox = imap_mailbox(admin, imap_server, folder="NoSuchFolder")
    said = report(signed_in(admin).post(f"/settings/mailboxes/{mailbox.pk}/test/"))
    assert "but there is no folder “NoSuchFolder”" in said


def test_test_connection_to_a_closed_port_says_nothing_answers(admin, north, smtp_server):
    port = free_port()
    signed_in(admin).post(
        "/settings/mailboxes/new/",
        mailbox_form(imap_host="127.0.0.1", imap_port=str(port), imap_ssl=""),
    )
    mailbox = Mailbox.objects.get()
    said = report(signed_in(admin).post(f"/settings/mailboxes/{mailbox.pk}/test/"))
    assert f"Nothing answers at 127.0.0.1:{port}. Check the server name and port." in said


def test_editing_keeps_the_password_when_left_empty_and_logs_no_secret(admin, north):
    client = signed_in(admin)
    client.post("/settings/mailboxes/new/", mailbox_form())
    mailbox = Mailbox.objects.get()
    response = client.post(
        f"/settings/mailboxes/{mailbox.pk}/",
        mailbox_form(imap_password="", location=north.pk, imap_folder="Support"),
    )
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.imap_password(), mailbox.location, mailbox.imap_folder) == (
        "s3cret",
        north,
        "Support",
    )
    assert "s3cret" not in str(list(Activity.objects.values_list("data", flat=True)))
    changed = Activity.objects.get(verb="mailbox.updated").data["changed"]
    assert changed == {"location": [None, north.pk], "imap_folder": ["INBOX", "Support"]}


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"address": ""}, "address", "A mailbox needs its email address."),
        (
            {"address": "help at shop"},
            "address",
            "“help at shop” is not one email address; write it as name@example.com.",
        ),
        ({"address": "SUPPORT@shop.test"}, "address", "Another mailbox has this address."),
        ({"imap_host": ""}, "imap_host", "Mail is fetched over IMAP: name the IMAP server."),
        ({"imap_password": ""}, "imap_password", "Give the IMAP password."),
        ({"imap_port": "99999"}, "imap_port", "A port is a number from 1 to 65535"),
        ({"imap_port": "imap"}, "imap_port", "A port is a number, like 993."),
    ],
)
def test_a_refused_mailbox_says_why(admin, mailbox, fields, field, words):
    response = signed_in(admin).post("/settings/mailboxes/new/", mailbox_form(**fields))
    assert response.status_code == 400
    page = response.content.decode()
    start = page.index(f'id="id_{field}_error"')
    assert words in page[start : start + 300]
    assert Mailbox.objects.count() == 1


def test_a_mailbox_delivered_by_the_mail_server_needs_no_imap(admin):
    response = signed_in(admin).post(
        "/settings/mailboxes/new/",
        mailbox_form(delivery="push", imap_host="", imap_password=""),
    )
    assert response.status_code == 302
    assert Mailbox.objects.get().delivery == "push"


def test_agents_may_not_test_or_change_mailboxes(agent_north, mailbox):
    client = signed_in(agent_north)
    assert client.post(f"/settings/mailboxes/{mailbox.pk}/test/").status_code == 403
    assert client.post("/settings/mailboxes/new/", mailbox_form()).status_code == 403


@pytest.mark.imap
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_adds_a_mailbox_and_tests_it_in_the_browser(
    browser_page, admin, imap_server, smtp_server
):
    page = browser_page
    sign_in(page, "ada", "pw-ada-123")
    page.goto("/settings/mailboxes/new/")
    page.get_by_label("Address", exact=True).fill("help@shop.test")
    page.get_by_label("Polled over IMAP").check()
    page.get_by_label("IMAP server").fill(imap_server.host)
    page.get_by_label("Port").fill(str(imap_server.port))
    page.get_by_label("Use SSL").uncheck()
    page.get_by_label("User name").fill(imap_server.user)
    page.get_by_label("Password").fill(imap_server.password)
    page.get_by_role("button", name="Add mailbox").click()
    page.locator(".flash", has_text="Test its connection below").wait_for()
    page.get_by_role("button", name="Test connection").click()
    said = page.locator("#connection-report").inner_text()
    assert "Incoming mail (IMAP): works." in said
    assert "Outgoing mail (SMTP): works." in said
    screenshot(page, "settings-mailbox-tested-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "settings-mailbox-tested-375")
