"""An agent's day in a real Chromium: reply (to a real SMTP server), note, assign, solve,
merge two customers, search and open what was found, and see a colleague in the same
conversation."""

from email import message_from_bytes, policy

import pytest

from helpline.channels.email.tasks import send_due_outbound
from helpline.conversations.models import Conversation, Direction, Status
from helpline.core.events import deliver_due
from helpline.core.models import Activity
from helpline.customers.actions import add_identity
from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def olga(north, mailbox):
    return write_in(
        north,
        "olga@example.com",
        "Broken kettle",
        "The lid of my kettle snapped off after two days.",
        name="Olga Berg",
        mailbox=mailbox,
        minutes_ago=95,
    )


def test_reply_note_assign_and_solve_from_the_keyboard(
    browser_page, agent_north, olga, smtp_server
):
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/conversations/{olga.pk}/")
    assert "snapped off" in page.locator("#thread").inner_text()
    assert "Olga Berg" in page.locator("#customer-link").inner_text()
    screenshot(page, "conversation")

    # r: reply. The mail leaves through the outbox and reaches the SMTP server.
    page.keyboard.press("r")
    page.keyboard.type("Sorry about that, Olga. A new kettle is on its way.")
    page.get_by_role("button", name="Send reply").click()
    page.locator(".flash", has_text="queued for sending").wait_for()
    deliver_due()  # the worker's part of the bus: it acknowledges her first mail
    assert send_due_outbound() == 2  # the acknowledgement, and the reply
    mails = [message_from_bytes(m.content, policy=policy.default) for m in smtp_server.wait_for(2)]
    (mail,) = [m for m in mails if m["Auto-Submitted"] is None]
    sent = smtp_server.messages[mails.index(mail)]
    assert sent.rcpt_tos == ["olga@example.com"]
    assert mail["From"].addresses[0].addr_spec == "support@shop.test"
    assert "A new kettle is on its way" in mail.get_body(("plain",)).get_content()
    assert f"[#{olga.pk}]" in mail["Subject"]

    # n: an internal note, never mailed.
    page.keyboard.press("n")
    page.keyboard.type("Replacement sent from the shop floor stock.")
    page.get_by_role("button", name="Add note").click()
    page.locator(".flash", has_text="Note added.").wait_for()
    assert page.locator("#thread .direction-note").count() == 1

    # a: assign, then e: solve.
    page.keyboard.press("a")
    page.locator("#assign-agent").select_option(label="Nora")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.locator(".flash", has_text="Assigned to Nora").wait_for()
    page.keyboard.press("e")
    page.locator(".flash", has_text="Status: Solved.").wait_for()

    olga.refresh_from_db()
    assert olga.status == Status.SOLVED and olga.assignee == agent_north
    assert olga.waiting_since is None
    directions = list(olga.messages.values_list("direction", flat=True))
    # Her mail, our acknowledgement of it, Nora's reply, Nora's note.
    assert directions == [Direction.INBOUND, Direction.OUTBOUND, Direction.OUTBOUND, Direction.NOTE]
    verbs = set(Activity.objects.filter(actor=agent_north).values_list("verb", flat=True))
    assert {"conversation.replied", "conversation.noted", "conversation.assigned"} <= verbs
    assert send_due_outbound() == 0 and len(smtp_server.messages) == 2  # the note went nowhere


def test_a_colleague_in_the_same_conversation_is_shown(
    chromium, live_server, agent_north, admin, olga, settings
):
    settings.HELPLINE_PRESENCE_SECONDS = 3
    pages = []
    for username, password in (("nora", "pw-nora-123"), ("ada", "pw-ada-123")):
        context = chromium.new_context(base_url=live_server.url)
        page = context.new_page()
        sign_in(page, username, password)
        page.goto(f"/conversations/{olga.pk}/")
        pages.append(page)
    nora, ada = pages
    ada.locator("#reply-text").click()
    ada.keyboard.type("Let me check")
    nora.locator("#presence", has_text="Ada is typing a reply").wait_for()
    ada.locator("#presence", has_text="Nora is viewing").wait_for()
    for page in pages:
        page.context.close()


def test_merge_two_customers_then_undo(browser_page, agent_north, north, olga):
    duplicate = write_in(
        north, "o.berg@work.example", "Kettle again", name="Olga B.", minutes_ago=5
    ).customer
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/customers/{olga.customer_id}/")
    page.locator("#customer-merge").click()
    page.locator("#merge-q").fill("o.berg@work.example")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Choose Olga B.").click()
    assert page.locator('#merge-moves [data-count="conversations"]').inner_text().startswith("1")
    page.locator("#merge-confirm").click()
    page.wait_for_url(f"**/customers/{olga.customer_id}/")
    identities = page.locator("#customer-identities").inner_text()
    assert "olga@example.com" in identities and "o.berg@work.example" in identities
    assert "Kettle again" in page.locator("#customer-conversations").inner_text()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == olga.customer_id

    page.get_by_role("button", name="Undo merge of Olga B.").click()
    page.get_by_text("Olga B.").first.wait_for()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert Conversation.objects.get(subject="Kettle again").customer_id == duplicate.pk


def test_search_and_open_a_result(browser_page, agent_north, north, south, olga):
    write_in(south, "lars@example.de", "Wasserkocher", "Mein kettle ist kaputt", name="Lars")
    piet = write_in(north, "piet@example.com", "Refund", "Where is my refund?", name="Piet Aarts")
    add_identity(agent_north, piet.customer, "phone", "+442079460000")
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.keyboard.press("/")
    page.keyboard.type("kettle")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=kettle")
    results = page.locator("#search-results [data-row]")
    assert results.count() == 1  # South Mall's kettle is not Nora's to see
    assert page.locator("#search-results mark").first.inner_text().lower() == "kettle"
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/conversations/{olga.pk}/**")
    assert page.locator("#conversation-title").inner_text().startswith("Broken kettle")

    # A customer by their phone number, typed the way people say it.
    page.locator("#search-q").fill("020 7946 0000")
    page.keyboard.press("Enter")
    page.locator("#customer-hits", has_text="Piet Aarts").wait_for()
