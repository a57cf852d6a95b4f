"""Signing in (by username or email), throttling failures, resetting a password by email."""

import re
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.test import Client

from helpline.core import staff_mail
from helpline.core.models import StaffEmail

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()


def test_the_desk_asks_to_sign_in_first():
    response = Client().get("/?view=mine")
    assert response.status_code == 302
    assert response.url == "/sign-in/?next=/%3Fview%3Dmine"


@pytest.mark.parametrize("login", ["nora", "nora@shop.test", "NORA@Shop.test"])
def test_an_agent_signs_in_with_username_or_email(agent_north, login):
    client = Client()
    response = sign_in(client, login, "pw-nora-123")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_wrong_password_says_so_and_keeps_the_username(agent_north):
    response = sign_in(Client(), "nora", "wrong")
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert b'value="nora"' in response.content


def test_an_email_two_accounts_share_signs_in_neither(agent_north, agent_south):
    agent_south.email = agent_north.email
    agent_south.save()
    assert sign_in(Client(), agent_north.email, "pw-nora-123").status_code == 200


def test_repeated_failures_lock_the_account_even_with_the_right_password(agent_north, settings):
    settings.HELPLINE_SIGN_IN_ATTEMPTS = 3
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert sign_in(Client(), "nora", "wrong", address).status_code == 200
    response = sign_in(Client(), "nora", "pw-nora-123", "10.0.0.9")
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content


def test_repeated_failures_from_one_address_lock_that_address(agent_north, agent_south, settings):
    settings.HELPLINE_SIGN_IN_ATTEMPTS = 3
    for name in ("x1", "x2", "x3"):
        sign_in(Client(), name, "guess", "10.6.6.6")
    assert sign_in(Client(), "sam", "pw-sam-123", "10.6.6.6").status_code == 429
    assert sign_in(Client(), "sam", "pw-sam-123", "10.0.0.7").status_code == 302


def test_a_success_clears_the_accounts_failures(agent_north, settings):
    settings.HELPLINE_SIGN_IN_ATTEMPTS = 3
    sign_in(Client(), "nora", "wrong", "10.0.0.1")
    sign_in(Client(), "nora", "wrong", "10.0.0.2")
    assert sign_in(Client(), "nora", "pw-nora-123", "10.0.0.3").status_code == 302
    sign_in(Client(), "nora", "wrong", "10.0.0.4")
    assert sign_in(Client(), "nora", "pw-nora-123", "10.0.0.5").status_code == 302


def test_sessions_expire(agent_north, settings):
    client = Client()
    sign_in(client, "nora", "pw-nora-123")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert not client.session.get_expire_at_browser_close()
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get("/").status_code == 302


def test_signing_out_needs_a_post_and_ends_the_session(agent_north):
    client = Client()
    client.force_login(agent_north)
    assert client.get("/sign-out/").status_code == 405
    assert client.post("/sign-out/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_by_email_end_to_end(agent_north, smtp_server):
    client = Client()
    response = client.post("/password-reset/", {"email": "nora@shop.test"})
    assert response.status_code == 302 and response.url == "/password-reset/sent/"
    # Queued, not sent in the request: an agent's address answers as fast as a stranger's.
    assert mail.outbox == []
    (queued,) = StaffEmail.objects.all()
    assert staff_mail.deliver(queued.pk) == "sent"
    (delivered,) = smtp_server.wait_for(1)
    assert delivered.rcpt_tos == ["nora@shop.test"]
    body = message_from_bytes(delivered.content, policy=policy.default).get_content()
    link = re.search(r"http://testserver(/password-reset/\S+/)", body).group(1)
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-fresh-passphrase-9", "new_password2": "a-fresh-passphrase-9"},
    )
    assert done.status_code == 302
    assert sign_in(Client(), "nora", "a-fresh-passphrase-9").status_code == 302
    assert sign_in(Client(), "nora", "pw-nora-123").status_code == 200
    # The link works once.
    assert b"This link has expired" in client.get(link, follow=True).content


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(db):
    response = Client().post("/password-reset/", {"email": "nobody@shop.test"})
    assert response.status_code == 302 and response.url == "/password-reset/sent/"
    assert mail.outbox == []
    assert not StaffEmail.objects.exists()


def test_the_username_and_the_email_share_one_count(agent_north, settings):
    """Failures as `nora` also lock `nora@…`: the count is the account's, not the text's."""
    settings.HELPLINE_SIGN_IN_ATTEMPTS = 3
    for address, login in [("10.0.0.1", "nora"), ("10.0.0.2", "nora"), ("10.0.0.3", "nora")]:
        assert sign_in(Client(), login, "wrong", address).status_code == 200
    assert sign_in(Client(), "nora@shop.test", "pw-nora-123", "10.0.0.4").status_code == 429
    assert sign_in(Client(), "NORA@shop.test", "pw-nora-123", "10.0.0.5").status_code == 429


def test_attempts_are_counted_before_the_password_is_checked(agent_north, settings):
    """Guesses in flight at once cannot all pass a check made before any was counted:
    each takes its slot first, and only as many as the limit get one."""
    from helpline.desk import throttle

    settings.HELPLINE_SIGN_IN_ATTEMPTS = 5
    in_flight = [throttle.begin("nora", f"10.1.0.{n}") for n in range(16)]
    assert sum(attempt is not None for attempt in in_flight) == 5


def test_password_reset_mail_is_limited_per_address_and_per_client(agent_north, settings):
    settings.HELPLINE_PASSWORD_RESETS_PER_HOUR = 2
    for n in range(4):
        response = Client().post(
            "/password-reset/", {"email": "nora@shop.test"}, REMOTE_ADDR=f"10.2.0.{n}"
        )
        assert response.status_code == 302 and response.url == "/password-reset/sent/"
    assert StaffEmail.objects.count() == 2
    StaffEmail.objects.all().delete()
    for n in range(4):  # one client asking for many addresses
        Client().post("/password-reset/", {"email": f"x{n}@shop.test"}, REMOTE_ADDR="10.3.0.1")
    Client().post("/password-reset/", {"email": "nora@shop.test"}, REMOTE_ADDR="10.3.0.1")
    assert not StaffEmail.objects.exists()


def test_an_agents_address_costs_one_password_check_like_a_strangers(agent_north, monkeypatch):
    """The time a sign-in takes does not tell which addresses are agents': each makes
    exactly one password hash (a dummy one for a stranger)."""
    from django.contrib.auth.hashers import get_hasher

    from helpline.core.auth import UsernameOrEmailBackend

    hasher = type(get_hasher("default"))
    hashed = []
    original = hasher.encode

    def encode(self, password, salt, *args, **kwargs):
        hashed.append(password)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher, "encode", encode)
    for typed in ("nora@shop.test", "stranger@shop.test", "nora", "stranger"):
        hashed.clear()
        UsernameOrEmailBackend().authenticate(None, username=typed, password="wrong")
        assert len(hashed) == 1, typed
