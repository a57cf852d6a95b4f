"""A survey end to end in a real Chromium: the agent solves the conversation (and taps the
score they expect), time moves past the delay, the mail reaches a real SMTP server, the
customer opens its link on a phone, taps, comments, and the answer is on the conversation."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from helpline.core.events import EventName, deliver_due
from helpline.feedback.models import Answer, Prediction, Survey
from helpline.hours.calendar import calendar_for
from helpline.recovery.models import RecoveryCase
from tests.browser import screenshot, sign_in
from tests.feedback.conftest import answer_links, send_and_receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_survey_end_to_end(
    browser_page,
    chromium,
    live_server,
    settings,
    conversation,
    csat_policy,
    agent_north,
    smtp_server,
    heard,
    lead,
):
    settings.SITE_URL = live_server.url
    answered = heard(EventName.SURVEY_ANSWERED)
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{conversation.pk}/")
    page.locator("#solve").click()
    expect(page.locator("#conversation-status")).to_have_text("Solved")
    # The optional prediction tap, never shown to the customer.
    page.locator("#prediction-form").get_by_role("button", name="2", exact=True).click()
    expect(page.locator("#prediction")).to_contain_text("CSAT 2")
    assert Prediction.objects.get().score == 2

    deliver_due()  # the worker runs the after-commit handler: the survey is scheduled
    survey = Survey.objects.get(conversation=conversation)
    assert survey.status == "scheduled"
    mail = send_and_receive(smtp_server, survey, survey.due_at + timedelta(seconds=1))
    link = answer_links(mail)[1]

    phone = chromium.new_context(viewport={"width": 375, "height": 740})
    customer = phone.new_page()
    errors: list[str] = []
    customer.on("pageerror", lambda error: errors.append(str(error)))
    try:
        customer.goto(link)  # the page submits the tapped score by itself
        expect(customer.get_by_role("heading", name="Thank you!")).to_be_visible()
        assert Answer.objects.get().score == 1
        customer.get_by_label("Anything you would like to add? (optional)").fill(
            "Nobody called me back"
        )
        screenshot(customer, "survey-comment-phone")
        customer.get_by_role("button", name="Send comment").click()
        expect(customer.locator("#comment-saved")).to_be_visible()
        width = customer.evaluate("document.documentElement.scrollWidth")
        assert width <= 375  # nothing wider than the phone
    finally:
        phone.close()
    assert not errors

    answer = Answer.objects.get()
    assert (answer.score, answer.comment, answer.agent) == (1, "Nobody called me back", agent_north)
    # What recovery reads to open its case (built on its own branch).
    assert answered[0] | {"answered_at": None} == {
        "survey_id": survey.pk,
        "answer_id": answer.pk,
        "kind": "csat",
        "score": 1,
        "comment": "",
        "purpose": "contact",
        "recovery_case_id": None,
        "customer_id": conversation.customer_id,
        "conversation_id": conversation.pk,
        "location_id": conversation.location_id,
        "agent_id": agent_north.pk,
        "team_id": None,
        "changed": False,
        "answered_at": None,
    }
    assert answered[-1]["comment"] == "Nobody called me back"

    page.goto(f"/conversations/{conversation.pk}/")
    expect(page.locator(f"#survey-answer-{survey.pk}")).to_have_text("1")
    expect(page.locator("#surveys")).to_contain_text("Nobody called me back")

    # The worker's turn: the score of 1 opened a service-recovery case, owned by the
    # location's manager and due four business hours after it opened.
    while deliver_due():
        pass
    case = RecoveryCase.objects.get(customer=conversation.customer)
    assert case.owner == lead
    assert case.due_at == calendar_for(conversation.location).add(
        case.opened_at, timedelta(hours=4)
    )
    page.goto(f"/recovery/{case.pk}/")
    expect(page.locator("main")).to_contain_text("Low CSAT")
    expect(page.locator("dt:has-text('Owner') + dd")).to_have_text("lea")


def test_without_javascript_the_button_records(
    chromium,
    live_server,
    settings,
    conversation,
    csat_policy,
    agent_north,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    from tests.feedback.conftest import solve

    settings.SITE_URL = live_server.url
    solve(agent_north, conversation, django_capture_on_commit_callbacks)
    survey = Survey.objects.get(conversation=conversation)
    mail = send_and_receive(smtp_server, survey, survey.due_at)
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 375, "height": 740}
    )
    try:
        page = context.new_page()
        page.goto(answer_links(mail)[4])
        assert not Answer.objects.exists()  # opening the link records nothing
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    finally:
        context.close()
    assert Answer.objects.get().score == 4
