"""The pages of "Listen and recover" on a phone (375 px, Chromium): nothing makes the page
scroll sideways, and the report tables read as cards of labelled figures.

Seen failing before the fix: the recovery worklist at 418 px (the inbox's phone grid areas
applied to its rows) and the themes page at 729 px (a five-column table); the case page's
facts were unstyled (their rules were in customers.css, which it does not load)."""

import pytest
from django.utils import timezone

from helpline.feedback import kiosk, tokens
from helpline.feedback.models import Survey
from helpline.insights import actions as insights
from helpline.recovery.models import RecoveryCase
from tests.browser import screenshot, sign_in
from tests.insights.test_themes import customers_write
from tests.recovery.conftest import answered, maria_conversation  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}


@pytest.fixture
def listened(north, lead, maria_conversation):  # noqa: F811 (the fixture imported above)
    answered(maria_conversation, "csat", 1)
    customers_write(north)
    insights.retrain(k=3)
    survey = Survey.objects.create(
        cause="phone-pages",
        kind="nps",
        status="sent",
        customer=maria_conversation.customer,
        conversation=maria_conversation,
        location=north,
        sent_at=timezone.now(),
    )
    return RecoveryCase.objects.get(), survey


def test_the_desk_pages_fit_a_phone(browser_page, listened):
    case, _ = listened
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, "lea", "pw")  # a manager: the themes page with its rename and merge forms
    for name, url in {
        "recovery": "/recovery/",
        "recovery-case": f"/recovery/{case.pk}/",
        "recovery-report": "/recovery/report/",
        "themes": "/insights/themes/",
    }.items():
        page.goto(url)
        screenshot(page, f"phone-{name}")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375, name
    page.goto(f"/recovery/{case.pk}/")
    # The case's facts are the desk's name-beside-value list, as on a customer's profile.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#case-facts')).display") == "grid"
    )
    page.goto("/recovery/report/")
    labels = page.evaluate(
        """() => [...document.querySelectorAll("#rate-by-location tbody td")].map(
            cell => getComputedStyle(cell, "::before").content)"""
    )
    assert labels[:2] == ['"Recovery rate"', '"Recovered"']


def test_the_public_survey_pages_fit_a_phone(chromium, live_server, north, listened):
    _, survey = listened
    phone = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    page = phone.new_page()
    opt_out = tokens.opt_out_token(survey.customer_id, survey.pk)
    try:
        for name, url in {
            "answer": f"/survey/{survey.pk}/{tokens.answer_token(survey.pk, 7)}/",
            "refused": f"/survey/{survey.pk}/forged/",
            "unsubscribe": f"/survey/unsubscribe/{opt_out}/",
            "kiosk": f"/kiosk/{north.pk}/{kiosk.token_for(north)}/",
        }.items():
            page.goto(url)
            screenshot(page, f"phone-survey-{name}")
            assert page.evaluate("document.scrollingElement.scrollWidth") <= 375, name
    finally:
        phone.close()
