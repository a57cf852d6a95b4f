"""Inviting people by email, over real SMTP, and changing their role and locations later."""

import re
from email import message_from_bytes, policy

import pytest
from django.test import Client

from helpline.core import staff_mail
from helpline.core.models import Activity, Role, StaffEmail, User
from tests.browser import screenshot, sign_in
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invite(client, **fields):
    data = {"email": "ines@shop.test", "first_name": "Ines", "role": "agent", **fields}
    return client.post("/settings/agents/invite/", data)


def test_an_invitation_arrives_over_smtp_and_its_link_sets_the_password(admin, north, smtp_server):
    response = invite(signed_in(admin), locations=[north.pk])
    assert response.status_code == 302, response.content.decode()[:2000]
    ines = User.objects.get(email="ines@shop.test")
    assert (ines.role, ines.first_name, ines.has_usable_password()) == ("agent", "Ines", False)
    assert list(ines.locations.all()) == [north]
    assert Activity.objects.get(verb="user.invited", actor=admin).subject_id == ines.pk

    # The worker's task sends what the invitation queued (the test has no worker).
    (mail,) = StaffEmail.objects.all()
    assert staff_mail.deliver(mail.pk) == "sent"
    (envelope,) = smtp_server.wait_for(1)
    assert envelope.rcpt_tos == ["ines@shop.test"]
    received = message_from_bytes(envelope.content, policy=policy.default)
    assert received["Subject"] == "You are invited to the Helpline desk"
    assert received.get_content_type() == "text/plain"  # no HTML given: plain, as ever
    body = received.get_content()
    assert "Ada invited you" in body
    link = re.search(r"http://\S+/password-reset/(\S+)/(\S+)/", body)
    assert link, body

    visitor = Client()
    page = visitor.get(link[0], follow=True)
    assert b"Choose a new password" in page.content
    form_url = page.redirect_chain[-1][0]
    done = visitor.post(
        form_url, {"new_password1": "harbour-lights-42", "new_password2": "harbour-lights-42"}
    )
    assert done.status_code == 302
    signed = Client().post(
        "/sign-in/", {"username": "ines@shop.test", "password": "harbour-lights-42"}
    )
    assert signed.status_code == 302 and signed.url == "/"
    # Used once: the link no longer works.
    assert b"This link has expired" in Client().get(link[0], follow=True).content


def test_an_invitation_is_sent_again_while_no_password_was_chosen(admin):
    client = signed_in(admin)
    invite(client)
    ines = User.objects.get(email="ines@shop.test")
    response = client.post(f"/settings/agents/{ines.pk}/invite-again/")
    assert response.status_code == 302
    assert StaffEmail.objects.filter(user=ines).count() == 2
    ines.set_password("chosen-already-1")
    ines.save()
    client.post(f"/settings/agents/{ines.pk}/invite-again/")
    assert StaffEmail.objects.filter(user=ines).count() == 2


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"email": ""}, "email", "An invitation needs an email address."),
        (
            {"email": "ines at shop"},
            "email",
            "“ines at shop” is not one email address; write it as name@example.com.",
        ),
        ({"email": "NORA@shop.test"}, "email", "Someone here already has this email address."),
        ({"role": "boss"}, "role", "Select a valid choice"),
    ],
)
def test_a_refused_invitation_says_why(admin, agent_north, fields, field, words):
    response = invite(signed_in(admin), **fields)
    assert response.status_code == 400
    page = response.content.decode()
    start = page.index(f'id="id_{field}_error"')
    assert words in page[start : start + 300]
    assert not StaffEmail.objects.exists()


def test_an_admin_changes_role_locations_and_sign_in(admin, agent_north, north, south):
    client = signed_in(admin)
    page = client.get(f"/settings/agents/{agent_north.pk}/").content.decode()
    assert "nora@shop.test" in page
    response = client.post(
        f"/settings/agents/{agent_north.pk}/",
        {"first_name": "Nora", "last_name": "North", "role": "manager", "locations": [south.pk]},
    )
    assert response.status_code == 302
    agent_north.refresh_from_db()
    assert (agent_north.role, agent_north.last_name, agent_north.is_active) == (
        "manager",
        "North",
        False,  # the box "May sign in" was not ticked
    )
    assert list(agent_north.locations.all()) == [south]
    changed = Activity.objects.get(verb="user.updated").data["changed"]
    assert changed["role"] == ["agent", "manager"]
    assert changed["locations"] == [[north.pk], [south.pk]]


def test_an_admin_cannot_lock_themselves_out(admin):
    response = signed_in(admin).post(
        f"/settings/agents/{admin.pk}/", {"first_name": "Ada", "role": "agent", "is_active": "on"}
    )
    assert response.status_code == 400
    assert "You cannot take away your own admin role." in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_agents_may_not_invite(agent_north):
    client = signed_in(agent_north)
    assert client.get("/settings/agents/").status_code == 403
    assert invite(client).status_code == 403
    assert not User.objects.filter(email="ines@shop.test").exists()


def test_an_invitation_that_failed_is_retried_then_sent_again_from_the_admin(
    admin, smtp_server, settings
):
    settings.HELPLINE_OUTBOX_MAX_ATTEMPTS = 1
    invite(signed_in(admin))
    (mail,) = StaffEmail.objects.all()
    smtp_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens: the try fails for good
    assert staff_mail.deliver(mail.pk) == "failed"
    mail.refresh_from_db()
    assert "ConnectionRefusedError" in mail.last_error

    settings.EMAIL_PORT = smtp_port
    admin.is_staff = admin.is_superuser = True
    admin.save()
    response = signed_in(admin).post(
        "/admin/core/staffemail/",
        {"action": "send_again", "_selected_action": [mail.pk]},
    )
    assert response.status_code == 302
    assert staff_mail.deliver(mail.pk) == "sent"
    assert smtp_server.wait_for(1)[0].rcpt_tos == ["ines@shop.test"]
    assert Activity.objects.filter(verb="staff_email.retried", actor=admin).count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_invites_an_agent_in_the_browser(browser_page, admin, north, south):
    page = browser_page
    sign_in(page, "ada", "pw-ada-123")
    page.goto("/settings/agents/invite/")
    page.get_by_label("Email").fill("ines@shop")
    page.get_by_label("North Street").check()
    page.get_by_role("button", name="Send the invitation").click()
    assert "is not one email address" in page.locator("#id_email_error").inner_text()
    assert page.get_by_label("North Street").is_checked()
    screenshot(page, "settings-agent-invite-error-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "settings-agent-invite-error-375")
    page.get_by_label("Email").fill("ines@shop.test")
    page.get_by_role("button", name="Send the invitation").click()
    page.locator(".flash", has_text="Invitation sent to ines@shop.test").wait_for()
    assert "invited, no password yet" in page.locator("#agent-rows").inner_text()
    assert list(User.objects.get(email="ines@shop.test").locations.all()) == [north]
