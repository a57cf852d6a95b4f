"""Two-factor sign-in: setting it up on /me/, the code after the password, recovery codes,
the roles that must use it, the throttle over the second step, and the sign-in audit."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpline.core import twofactor
from helpline.core.models import RecoveryCode, Role, SignInOutcome, SignInRecord, User
from tests.totp import enrol, fresh_code, key_of_secret, totp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()


def password_step(client, username="nora", password="pw-nora-123", address="10.0.0.1", **extra):
    return client.post(
        "/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def code_step(client, code, address="10.0.0.1", **extra):
    return client.post("/sign-in/code/", {"code": code}, REMOTE_ADDR=address, **extra)


def forget_used_codes(user):
    """Let the codes of this 30-second window be used again (the desk refuses a code whose
    time step was used), so a test can sign in more than twice without waiting."""
    TOTPDevice.objects.filter(user=user).update(last_t=-1)


def outcomes(user=None):
    rows = SignInRecord.objects.order_by("pk")
    if user is not None:
        rows = rows.filter(user=user)
    return [row.outcome for row in rows]


# Setting it up ---------------------------------------------------------------------------


def test_an_agent_sets_it_up_with_the_secret_the_page_shows(agent_north):
    client = Client()
    client.force_login(agent_north)
    assert b"Set up two-factor sign-in" in client.get("/me/two-factor/").content
    assert client.post("/me/two-factor/start/").status_code == 302
    page = client.get("/me/two-factor/").content.decode()
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=agent_north, confirmed=False)
    assert key_of_secret(secret) == bytes.fromhex(device.key)
    # The QR code is an image of our own route, an SVG that encodes the otpauth URL.
    assert 'src="/me/two-factor/qr.svg"' in page
    qr = client.get("/me/two-factor/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<svg") and b"<script" not in qr.content

    wrong = client.post("/me/two-factor/confirm/", {"code": "000000"})
    if wrong.status_code != 400:  # one in a million: 000000 is the code now
        pytest.skip("000000 happened to be the right code")
    assert b"not the one your app shows" in wrong.content
    assert b'aria-describedby="id_code_error"' in wrong.content
    assert not TOTPDevice.objects.filter(confirmed=True).exists()

    done = client.post("/me/two-factor/confirm/", {"code": totp(key_of_secret(secret))})
    assert done.status_code == 200
    assert done["Cache-Control"].startswith("max-age=0") or "no-store" in done["Cache-Control"]
    codes = re.findall(r"<code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code>", done.content.decode())
    assert len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    # Stored as hashes only: no code is in the database as typed.
    stored = set(RecoveryCode.objects.filter(user=agent_north).values_list("code_hash", flat=True))
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert b"Two-factor sign-in</h1>" in client.get("/me/two-factor/").content
    assert b"10 unused recovery codes" in client.get("/me/two-factor/").content
    # Shown once: nothing on any page afterwards shows them again.
    assert codes[0].encode() not in client.get("/me/two-factor/").content
    assert client.get("/me/two-factor/qr.svg").status_code == 404  # nothing being set up


def test_a_code_in_other_digits_is_refused(agent_north):
    device = twofactor.start_enrolment(agent_north)
    arabic = totp(bytes.fromhex(device.key)).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    client = Client()
    client.force_login(agent_north)
    assert client.post("/me/two-factor/confirm/", {"code": arabic}).status_code == 400
    assert client.post("/me/two-factor/confirm/", {"code": "12"}).status_code == 400


# Signing in with it -----------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in(agent_north):
    enrol(agent_north)
    client = Client()
    response = password_step(client, HTTP_USER_AGENT="Firefox/140")
    assert response.status_code == 302 and response.url == "/sign-in/code/"
    # Not signed in: the desk and the API still say so.
    assert client.get("/").status_code == 302
    assert client.get("/api/conversations").status_code == 401
    page = client.get("/sign-in/code/")
    assert b"Code from your authenticator app" in page.content

    wrong = code_step(client, "123456" if fresh_code(agent_north) != "123456" else "654321")
    assert wrong.status_code == 400 and b"wrong or was used already" in wrong.content
    assert client.get("/").status_code == 302

    right = code_step(client, fresh_code(agent_north), HTTP_USER_AGENT="Firefox/140")
    assert right.status_code == 302 and right.url == "/"
    assert client.get("/").status_code == 200
    assert outcomes(agent_north) == ["wrong_code", "signed_in"]
    signed_in = SignInRecord.objects.get(outcome="signed_in")
    assert signed_in.factor == "totp" and signed_in.user_agent == "Firefox/140"


def test_the_page_asked_for_is_where_the_code_lands(agent_north):
    enrol(agent_north)
    client = Client()
    client.post("/sign-in/?next=/callbacks/", {"username": "nora", "password": "pw-nora-123"})
    assert code_step(client, fresh_code(agent_north)).url == "/callbacks/"


def test_a_code_signs_in_once(agent_north):
    enrol(agent_north)
    first, second = Client(), Client()
    password_step(first)
    password_step(second)
    code = fresh_code(agent_north)
    assert code_step(first, code).status_code == 302
    assert code_step(second, code).status_code == 400


def test_the_code_step_expires(agent_north, settings):
    enrol(agent_north)
    client = Client()
    settings.HELPLINE_SIGN_IN_CODE_MINUTES = 0
    password_step(client)
    response = code_step(client, fresh_code(agent_north))
    assert response.status_code == 302 and response.url == "/sign-in/"
    assert client.get("/").status_code == 302
    # Without a password first, the code page sends you to it.
    assert Client().get("/sign-in/code/").url == "/sign-in/"


def test_a_recovery_code_works_once(agent_north):
    codes = enrol(agent_north)
    client = Client()
    password_step(client)
    typed = "  " + codes[3].upper().replace("-", " ") + " "  # as someone might type it
    response = code_step(client, typed)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert SignInRecord.objects.get(outcome="signed_in").factor == "recovery"
    assert twofactor.recovery_codes_left(agent_north) == 9
    again = Client()
    password_step(again)
    assert code_step(again, codes[3]).status_code == 400
    assert code_step(again, codes[4]).status_code == 302


def test_a_password_reset_does_not_get_around_the_code(agent_north):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    enrol(agent_north)
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(agent_north.pk))
    token = default_token_generator.make_token(agent_north)
    form = client.get(f"/password-reset/{uid}/{token}/", follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-fresh-passphrase-9", "new_password2": "a-fresh-passphrase-9"},
    )
    assert client.get("/").status_code == 302  # the reset signs nobody in
    assert password_step(client, password="a-fresh-passphrase-9").url == "/sign-in/code/"


def test_the_admin_site_signs_in_through_the_desk(admin):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == "/sign-in/?next=/admin/"
    assert (
        Client().post("/admin/login/", {"username": "ada", "password": "pw-ada-123"}).status_code
        == 302
    )
    assert not SignInRecord.objects.filter(outcome="signed_in").exists()


# The throttle over the second step --------------------------------------------------------


def test_wrong_codes_lock_the_account_and_a_right_password_buys_no_more(agent_north, settings):
    settings.HELPLINE_SIGN_IN_ATTEMPTS = 3
    enrol(agent_north)
    right = fresh_code(agent_north)
    wrong = "000000" if right != "000000" else "111111"
    client = Client()
    assert password_step(client).status_code == 302
    assert code_step(client, wrong, "10.0.0.1").status_code == 400
    assert code_step(client, wrong, "10.0.0.2").status_code == 400
    # The password again, from elsewhere: it gives back only its own slot.
    client = Client()
    assert password_step(client, address="10.0.0.3").status_code == 302
    assert code_step(client, wrong, "10.0.0.4").status_code == 400
    locked = code_step(client, right, "10.0.0.5")
    assert locked.status_code == 429 and b"Too many failed sign-ins" in locked.content
    assert client.get("/").status_code == 302
    # and the password step is refused too, right password or not
    assert password_step(Client(), address="10.0.0.6").status_code == 429
    assert outcomes(agent_north) == ["wrong_code"] * 3 + ["throttled", "throttled"]


def test_code_attempts_are_counted_before_they_are_checked(agent_north, settings):
    from helpline.desk import throttle

    settings.HELPLINE_SIGN_IN_ATTEMPTS = 5
    in_flight = [throttle.begin_code(agent_north.pk, f"10.1.0.{n}") for n in range(16)]
    assert sum(attempt is not None for attempt in in_flight) == 5
    assert throttle.begin("nora", "10.1.1.1") is None  # the same account's count


def test_a_passed_code_clears_the_accounts_failures(agent_north, settings):
    settings.HELPLINE_SIGN_IN_ATTEMPTS = 3
    enrol(agent_north)
    client = Client()
    password_step(client)
    code_step(client, "000000" if fresh_code(agent_north) != "000000" else "111111")
    code_step(client, "000000" if fresh_code(agent_north) != "000000" else "111111")
    assert code_step(client, fresh_code(agent_north)).status_code == 302
    forget_used_codes(agent_north)
    for _ in range(2):
        password_step(Client(), password="wrong", address="10.0.0.9")
    assert password_step(Client(), address="10.0.0.8").status_code == 302


# Required per role --------------------------------------------------------------------------


def test_a_role_that_requires_it_sets_it_up_before_anything_else(admin, agent_north, north):
    twofactor.set_required_roles(admin, {Role.AGENT})
    manager = User.objects.create_user("mona", "mona@shop.test", "pw-mona-123", role=Role.MANAGER)
    manager.locations.add(north)
    client = Client()
    response = password_step(client)
    assert response.status_code == 302 and response.url == "/me/two-factor/"
    for path in ("/", "/customers/", "/me/", "/settings/", "/admin/"):
        assert client.get(path).url == "/me/two-factor/", path
    assert client.post("/conversations/new/", {}).url == "/me/two-factor/"
    api = client.get("/api/conversations")
    assert api.status_code == 403 and "two-factor" in api.json()["detail"]
    page = client.get("/me/two-factor/")
    assert page.status_code == 200 and b"Your role requires two-factor sign-in" in page.content

    client.post("/me/two-factor/start/")
    device = TOTPDevice.objects.get(user=agent_north)
    assert client.get("/me/two-factor/qr.svg").status_code == 200
    assert (
        client.post(
            "/me/two-factor/confirm/", {"code": totp(bytes.fromhex(device.key))}
        ).status_code
        == 200
    )
    assert client.get("/").status_code == 200
    # It cannot be turned off while the role requires it.
    off = client.post(
        "/me/two-factor/disable/", {"password": "pw-nora-123", "code": fresh_code(agent_north)}
    )
    assert off.status_code == 400 and b"required for the Agent role" in off.content
    assert TOTPDevice.objects.filter(user=agent_north, confirmed=True).exists()
    # Other roles are not asked.
    other = Client()
    assert password_step(other, "mona", "pw-mona-123").url == "/"
    assert other.get("/").status_code == 200


def test_a_requirement_switched_on_reaches_those_signed_in(admin, agent_north):
    client = Client()
    assert password_step(client).status_code == 302
    assert client.get("/").status_code == 200
    twofactor.set_required_roles(admin, {Role.AGENT})
    assert client.get("/").url == "/me/two-factor/"
    assert client.post("/sign-out/").status_code == 302
    assert outcomes(agent_north) == ["signed_in", "signed_out"]


def test_the_guard_asks_the_database_once_in_a_while(agent_north):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(agent_north)
    client.get("/")  # the first request of the process reads which roles require it
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not [q for q in queries if re.search("twofactorrequirement|otp_totp", q["sql"])]


def test_only_admins_set_the_requirement(agent_north, admin):
    with pytest.raises(PermissionError):
        twofactor.set_required_roles(agent_north, {Role.AGENT})
    client = Client()
    client.force_login(admin)
    response = client.post("/settings/sign-in/", {"roles": ["manager", "agent"]})
    assert response.status_code == 302
    assert twofactor.required_roles() == {"manager", "agent"}
    page = client.get("/settings/sign-in/").content.decode()
    assert re.search(r"<strong>Agent</strong> <span[^>]*>0 of 1 active", page), page
    bad = client.post("/settings/sign-in/", {"roles": ["owner"]})
    assert bad.status_code == 400 and b"owner" in bad.content
    assert client.post("/settings/sign-in/", {}).status_code == 302
    assert twofactor.required_roles() == set()


# Turning it off, and an admin's reset -------------------------------------------------------


def test_turning_it_off_takes_the_password_and_a_code(agent_north):
    enrol(agent_north)
    client = Client()
    client.force_login(agent_north)
    wrong = client.post(
        "/me/two-factor/disable/", {"password": "nope", "code": fresh_code(agent_north)}
    )
    assert wrong.status_code == 400 and b"not your password" in wrong.content
    no_code = client.post("/me/two-factor/disable/", {"password": "pw-nora-123", "code": ""})
    assert no_code.status_code == 400 and b"id_disable_code_error" in no_code.content
    done = client.post(
        "/me/two-factor/disable/", {"password": "pw-nora-123", "code": fresh_code(agent_north)}
    )
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=agent_north).exists()
    assert not RecoveryCode.objects.filter(user=agent_north).exists()
    assert password_step(Client()).url == "/"


def test_an_admin_resets_a_lost_phone(admin, agent_north):
    enrol(agent_north)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/settings/agents/{agent_north.pk}/")
    assert b"reset-two-factor" in page.content
    assert client.post(f"/settings/agents/{agent_north.pk}/two-factor/reset/").status_code == 302
    assert not TOTPDevice.objects.filter(user=agent_north).exists()
    assert password_step(Client()).url == "/"


def test_the_operator_resets_it_from_the_command_line(agent_north):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    enrol(agent_north)
    call_command("reset_two_factor", "nora")
    assert not TOTPDevice.objects.filter(user=agent_north).exists()
    assert password_step(Client()).url == "/"
    with pytest.raises(CommandError):
        call_command("reset_two_factor", "nobody")


# The sign-in audit --------------------------------------------------------------------------


def test_every_outcome_is_a_row_without_the_password(agent_north, settings):
    settings.HELPLINE_SIGN_IN_ATTEMPTS = 2
    password_step(Client(), "nobody@shop.test", "hunter2-secret", "10.9.0.1")
    password_step(Client(), "NORA@shop.test", "hunter2-secret", "10.9.0.2")
    password_step(Client(), "nora", "hunter2-secret", "10.9.0.3")
    password_step(Client(), "nora", "pw-nora-123", "10.9.0.4")  # locked now
    for _ in range(20):  # guesses the throttle turns away: one row a minute, not one each
        password_step(Client(), "nora", "pw-nora-123", "10.9.0.4")
    rows = list(SignInRecord.objects.order_by("pk"))
    assert [(r.outcome, r.user, r.typed_name, r.address) for r in rows] == [
        ("wrong_password", None, "nobody@shop.test", "10.9.0.1"),
        ("wrong_password", agent_north, "NORA@shop.test", "10.9.0.2"),
        ("wrong_password", agent_north, "nora", "10.9.0.3"),
        ("throttled", agent_north, "nora", "10.9.0.4"),
    ]
    for row in rows:
        values = [str(getattr(row, f.attname)) for f in SignInRecord._meta.fields]
        assert not any("hunter2" in v or "pw-nora" in v for v in values)


def test_the_address_is_the_proxys_last_entry_only_when_configured(agent_north, settings):
    forwarded = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7", "HTTP_USER_AGENT": "x" * 500}
    password_step(Client(), address="127.0.0.1", **forwarded)
    settings.HELPLINE_TRUST_X_FORWARDED_FOR = True
    password_step(Client(), address="127.0.0.1", **forwarded)
    password_step(Client(), address="127.0.0.1", HTTP_X_FORWARDED_FOR="not an address")
    rows = list(SignInRecord.objects.order_by("pk"))
    assert [r.address for r in rows] == ["127.0.0.1", "203.0.113.7", "127.0.0.1"]
    assert len(rows[0].user_agent) == 200


def test_old_rows_are_forgotten(agent_north, settings):
    from django.conf import settings as live

    from helpline.core.tasks import forget_old_sign_ins

    assert "forget-old-sign-ins" in live.CELERY_BEAT_SCHEDULE
    settings.HELPLINE_SIGN_IN_AUDIT_DAYS = 30
    old = twofactor.record_sign_in(SignInOutcome.SIGNED_IN, user=agent_north)
    SignInRecord.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
    recent = twofactor.record_sign_in(SignInOutcome.SIGNED_OUT, user=agent_north)
    assert forget_old_sign_ins() == 1
    assert list(SignInRecord.objects.all()) == [recent]


def test_admins_read_the_log_by_person_and_outcome(admin, agent_north, agent_south):
    password_step(Client(), "nora", "wrong", "10.0.0.1")
    password_step(Client(), "sam", "pw-sam-123", "10.0.0.2")
    client = Client()
    client.force_login(admin)
    everything = client.get("/settings/sign-ins/").content.decode()
    assert "Nora" in everything and "Sam" in everything and "10.0.0.2" in everything
    nora = client.get(f"/settings/sign-ins/?user={agent_north.pk}").content.decode()
    assert "10.0.0.1" in nora and "10.0.0.2" not in nora
    failed = client.get("/settings/sign-ins/?outcome=wrong_password").content.decode()
    assert "10.0.0.1" in failed and "10.0.0.2" not in failed
    assert client.get("/settings/sign-ins/?outcome=maybe").status_code == 400
    assert client.get("/settings/sign-ins/?user=²").status_code == 400
    assert client.get("/settings/sign-ins/?before=١٢").status_code == 400
    # The Django admin shows the rows and changes none.
    admin.is_staff = admin.is_superuser = True
    admin.save()
    listing = client.get("/admin/core/signinrecord/")
    assert listing.status_code == 200 and b"10.0.0.1" in listing.content
    row = SignInRecord.objects.first()
    assert (
        client.post(f"/admin/core/signinrecord/{row.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/core/signinrecord/add/").status_code == 403


def test_the_log_pages_older_rows(admin, settings):
    from helpline.desk.views.settings import security

    for n in range(security.PAGE + 5):
        twofactor.record_sign_in(SignInOutcome.WRONG_PASSWORD, typed_name=f"guess{n:03d}")
    client = Client()
    client.force_login(admin)
    first = client.get("/settings/sign-ins/?outcome=wrong_password").content.decode()
    assert "guess104" in first and "guess004" not in first
    older = re.search(r'href="\?([^"]+)" id="older-sign-ins"', first).group(1).replace("&amp;", "&")
    second = client.get(f"/settings/sign-ins/?{older}").content.decode()
    assert "guess004" in second and "guess104" not in second
