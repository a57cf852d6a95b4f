"""Behind an HTTPS reverse proxy: what an https SITE_URL turns on, and signing in through it.

The settings are read from the environment when the module is imported, so each case
loads `helpline/settings.py` afresh with its environment and applies what it derived to
the running project (the `settings` fixture), then signs in through the real middleware.
"""

import re
import runpy

import pytest
from django.conf import global_settings
from django.test import Client

import helpline.settings

pytestmark = pytest.mark.django_db

PUBLIC = "desk.example.com"

# What the proxy-related settings decide; anything a module leaves out is Django's default.
DERIVED = [
    "SITE_URL",
    "ALLOWED_HOSTS",
    "SECURE_PROXY_SSL_HEADER",
    "CSRF_TRUSTED_ORIGINS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
]
ENVIRONMENT = [
    "SITE_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "HELPLINE_BEHIND_PROXY",
    "HELPLINE_HSTS_SECONDS",
    "HELPLINE_HSTS_INCLUDE_SUBDOMAINS",
]


def derived(monkeypatch, **environment) -> dict:
    """The settings module's decisions for this environment."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    module = runpy.run_path(helpline.settings.__file__)
    return {n: module[n] if n in module else getattr(global_settings, n) for n in DERIVED}


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()


def sign_in(client: Client, scheme: str, **headers) -> tuple:
    """The desk's sign-in page, then its form posted back, as a browser would."""
    page = client.get("/sign-in/", **headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token, page.status_code
    response = client.post(
        "/sign-in/",
        {"username": "nora", "password": "pw-nora-123", "csrfmiddlewaretoken": token.group(1)},
        HTTP_ORIGIN=f"{scheme}://{headers.get('HTTP_HOST', 'testserver')}",
        **headers,
    )
    return page, response


def test_an_https_site_url_signs_in_through_the_proxy_with_secure_cookies(
    monkeypatch, settings, agent_north
):
    values = derived(monkeypatch, SITE_URL=f"https://{PUBLIC}/", ALLOWED_HOSTS=PUBLIC)
    for name, value in values.items():
        setattr(settings, name, value)

    client = Client(enforce_csrf_checks=True)
    page, response = sign_in(
        client, "https", HTTP_HOST=PUBLIC, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == "/"
    assert response.cookies["sessionid"]["secure"] is True
    assert page.cookies["csrftoken"]["secure"] is True
    assert "max-age=31536000" in page["Strict-Transport-Security"]
    assert client.get("/", HTTP_HOST=PUBLIC, HTTP_X_FORWARDED_PROTO="https").status_code == 200


def test_an_https_site_url_derives_the_trusted_origin_host_and_hsts(monkeypatch):
    values = derived(monkeypatch, SITE_URL=f"https://{PUBLIC}:8443/help/")
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["CSRF_TRUSTED_ORIGINS"] == [f"https://{PUBLIC}:8443"]
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    # The public host is served without listing it again (ALLOWED_HOSTS unset).
    assert PUBLIC in values["ALLOWED_HOSTS"] and "127.0.0.1" in values["ALLOWED_HOSTS"]


def test_each_https_decision_can_be_overridden(monkeypatch):
    values = derived(
        monkeypatch,
        SITE_URL=f"https://{PUBLIC}",
        HELPLINE_BEHIND_PROXY="false",
        HELPLINE_HSTS_SECONDS="0",
        CSRF_TRUSTED_ORIGINS="https://other.example.com, https://*.example.org",
        ALLOWED_HOSTS="only.example.com",
    )
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["CSRF_TRUSTED_ORIGINS"] == [
        f"https://{PUBLIC}",
        "https://other.example.com",
        "https://*.example.org",
    ]
    assert values["ALLOWED_HOSTS"] == ["only.example.com"]
    assert derived(monkeypatch, HELPLINE_BEHIND_PROXY="yes")["SECURE_PROXY_SSL_HEADER"] == (
        "HTTP_X_FORWARDED_PROTO",
        "https",
    )


def test_an_http_site_url_keeps_plain_cookies_and_trusts_no_forwarded_header(
    monkeypatch, settings, agent_north
):
    values = derived(monkeypatch)  # SITE_URL unset: http://127.0.0.1:8000
    assert values["SITE_URL"].startswith("http://")
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["CSRF_TRUSTED_ORIGINS"] == []
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    for name, value in values.items():
        setattr(settings, name, value)

    page, response = sign_in(Client(enforce_csrf_checks=True), "http", REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] == ""
    assert "Strict-Transport-Security" not in page
    # A client's own X-Forwarded-Proto is not believed: the https origin is foreign here.
    _, forged = sign_in(
        Client(enforce_csrf_checks=True),
        "https",
        HTTP_X_FORWARDED_PROTO="https",
        REMOTE_ADDR="10.0.0.3",
    )
    assert forged.status_code == 403
