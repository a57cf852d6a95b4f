"""Every page of the desk, in a real Chromium that may reach nothing but Helpline itself:
a self-hosted desk serves every asset it uses (Swagger UI at /api/docs included), and a
strict Content-Security-Policy holds on each page without one violation.

The pages come from the permission matrix, which must name every route of the URL
resolver (tests/test_permission_matrix.py); the routes that are no page a browser opens
are listed here, and test_every_route_is_a_page_or_said_why_not checks the two together
against the resolver, so a new route cannot be forgotten.
"""

from urllib.parse import urlsplit

import pytest
from django.contrib import admin as admin_site
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import test_permission_matrix
from tests.browser import screenshot, sign_in
from tests.test_permission_matrix import ROUTES, UNGUARDED, route_names

# The matrix's world: a North Street conversation, customer, callback, appointment, … .
world = test_permission_matrix.world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# An admin's pages: every route of the matrix a browser opens with GET (/api/docs too).
SIGNED_IN_PAGES = {
    name: route.path for name, route in ROUTES.items() if route.method == "GET" and not route.api
}
SIGNED_IN_PAGES.pop("attachment-download")  # a file, not a page: see NOT_PAGES
SIGNED_IN_PAGES.pop("desk:two-factor-qr")  # an image: see NOT_PAGES
SIGNED_IN_PAGES.pop("desk:customer-export")  # a ZIP file: see NOT_PAGES
SIGNED_IN_PAGES.pop("desk:reports-csv")  # a CSV file: see NOT_PAGES
SIGNED_IN_PAGES.pop("desk:reports-pdf")  # a PDF file: see NOT_PAGES
SIGNED_IN_PAGES.pop("desk:chat-messages")  # JSON for the chat panel: see NOT_PAGES
SIGNED_OUT_PAGES = {
    "desk:sign-in": "/sign-in/",
    "desk:password-reset": "/password-reset/",
    "desk:password-reset-sent": "/password-reset/sent/",
    "desk:password-reset-confirm": "/password-reset/{uid}/{token}/",
    "desk:password-reset-complete": "/password-reset/complete/",
    # The public survey pages (helpline.feedback), for a survey sent on the world's
    # conversation; the answer link's page submits its score itself (survey.js).
    "survey:answer": "/survey/{survey}/{answer_token}/",
    "survey:comment": "/survey/{survey}/{answer_token}/comment/",
    "survey:unsubscribe": "/survey/unsubscribe/{opt_out_token}/",
    "survey:kiosk": "/kiosk/{north}/{kiosk_token}/",
}
NOT_PAGES = {
    "attachment-download": "a file download, with its own policy (see tests/desk)",
    "desk:sign-out": "a form's POST",
    "desk:sign-in-code": "the second step of a sign-in: tests/desk/test_browser_two_factor.py",
    "desk:two-factor-qr": "the set-up page's QR image: tests/desk/test_browser_two_factor.py",
    "desk:customer-export": "a ZIP download: tests/desk/test_browser_data_request.py",
    "desk:reports-csv": "a CSV download: tests/reports/test_pages.py",
    "desk:reports-pdf": "a PDF download: tests/reports/test_pdf.py and the reports' browser test",
    "api:api-root": "a 404 that names the docs",
    "api:record_call_event": "a phone system's webhook",
    "api:twilio_call_status": "Twilio's webhook",
    "desk:chat-messages": "JSON for a chat's panel after a reconnect: tests/channels/chat",
    "chat:widget-js": "the widget's script, for other sites' pages: tests/channels/chat",
    "chat:upload": "the widget's file upload (a POST from other sites): tests/channels/chat",
    "realtime-relay": "the worker's real-time pushes to the web server (signed)",
}
# The API answers programs with JSON; its page is /api/docs.
API_ROUTES = {name for name, route in ROUTES.items() if route.api}
# The desk's forms post there and land on one of the pages.
FORM_POSTS = {name for name, route in ROUTES.items() if route.method != "GET" and not route.api}


def test_every_route_is_a_page_or_said_why_not():
    routes = set(route_names(get_resolver().url_patterns))
    classified = (
        set(SIGNED_IN_PAGES) | set(SIGNED_OUT_PAGES) | set(NOT_PAGES) | API_ROUTES | FORM_POSTS
    )
    assert routes == classified
    assert set(SIGNED_OUT_PAGES) | set(NOT_PAGES) >= UNGUARDED


class Offline:
    """A browser context that reaches only Helpline: a request to any other host is
    aborted and recorded, and so is every Content-Security-Policy violation."""

    def __init__(self, page):
        self.page = page
        self.elsewhere: list[str] = []
        self.violations: list[str] = []
        page.context.route("**/*", self._route)
        page.on("console", self._console)
        # The event fires for every violation, even one the console does not print.
        page.context.expose_function("helplineViolation", self._violation)
        page.context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "window.helplineViolation(`${e.violatedDirective} ${e.blockedURI} "
            "${e.sourceFile}:${e.lineNumber}`));"
        )

    def _violation(self, text: str) -> None:
        self.violations.append(text)

    def _route(self, route):
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(message.text)

    def open(self, path: str, settle: bool = True):
        response = self.page.goto(path)
        assert response is not None and response.status < 400, (path, response)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (path, policy)
        if settle:  # the desk's scripts fetch after the load: let them
            self.page.wait_for_load_state("networkidle")
        return response

    def assert_clean(self, path: str) -> None:
        assert not self.elsewhere, f"{path} asked other hosts: {self.elsewhere}"
        assert not self.violations, f"{path} broke the Content-Security-Policy: {self.violations}"


def _survey_links(world) -> dict:
    from helpline.core.models import Location
    from helpline.feedback import kiosk, tokens
    from helpline.feedback.models import Survey

    survey = Survey.objects.create(
        cause="offline",
        kind="nps",
        status="sent",
        customer_id=world.ids["customer"],
        conversation_id=world.ids["conversation"],
        location_id=world.ids["north"],
    )
    return {
        "survey": survey.pk,
        "answer_token": tokens.answer_token(survey.pk, 7),
        "opt_out_token": tokens.opt_out_token(world.ids["customer"], survey.pk),
        "north": world.ids["north"],
        "kiosk_token": kiosk.token_for(Location.objects.get(pk=world.ids["north"])),
    }


def test_every_desk_page_loads_with_nothing_from_elsewhere(browser_page, world):
    page = browser_page
    offline = Offline(page)
    admin = world.users["admin"]
    reset = {
        "uid": urlsafe_base64_encode(force_bytes(admin.pk)),
        "token": default_token_generator.make_token(admin),
        **_survey_links(world),
    }
    for name, path in SIGNED_OUT_PAGES.items():
        offline.open(path.format(**reset))
        offline.assert_clean(name)

    sign_in(page, admin.username, "pw-ada-123")
    offline.assert_clean("signing in")
    for name, path in sorted(SIGNED_IN_PAGES.items()):
        offline.open(path.format(**world.ids))
        offline.assert_clean(name)
        if name == "api:openapi-view":
            # Swagger UI ran: it read the document and drew its operations.
            page.locator(".opblock-summary").first.wait_for(timeout=30_000)
            assert page.locator(".opblock-summary").count() >= len(API_ROUTES) - 2
            # Try one: the request goes to this site, its answer is shown highlighted.
            page.locator(".opblock-summary", has_text="/api/customers").first.click()
            page.get_by_role("button", name="Try it out").click()
            page.get_by_role("button", name="Execute").click()
            page.locator(".live-responses-table .response-col_status", has_text="200").wait_for()
            screenshot(page, "api-docs")
        offline.assert_clean(name)


def admin_site_pages(superuser) -> list[str]:
    """The admin's index, every list, and a row of each (or the form for a new one)."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    pages = [reverse("admin:index")]
    for model, model_admin in admin_site.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            pages.append(reverse(f"{name}_change", args=[row.pk]))
        elif model_admin.has_add_permission(request):
            pages.append(reverse(f"{name}_add"))
    return pages


def test_the_admin_site_holds_the_policy_too(browser_page, world):
    page = browser_page
    offline = Offline(page)
    admin = world.users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    sign_in(page, admin.username, "pw-ada-123")
    for path in admin_site_pages(admin):
        offline.open(path, settle=False)
        offline.assert_clean(path)
