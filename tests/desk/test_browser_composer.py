"""The composer in a real Chromium: files chosen, dropped and pasted reach a real SMTP server
as MIME parts, a message is forwarded, and a customer without email is offered a call."""

from email import message_from_bytes, policy

import pytest

from helpline.channels.email.tasks import send_due_outbound
from helpline.conversations import actions
from helpline.conversations.models import Channel, Direction
from helpline.conversations.receive import IncomingAttachment
from helpline.core import actions as core_actions
from helpline.customers.models import Customer, Identity, IdentityKind
from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1280, "height": 900}


@pytest.fixture
def olga(north, mailbox):
    conversation = write_in(
        north,
        "olga@example.com",
        "Broken kettle",
        "The lid of my kettle snapped off after two days.",
        name="Olga Berg",
        mailbox=mailbox,
    )
    Identity.objects.create(
        customer=conversation.customer, kind=IdentityKind.EMAIL, value="olga.work@example.com"
    )
    return conversation


def sent_mails(smtp_server, count):
    return [
        (envelope, message_from_bytes(envelope.content, policy=policy.default))
        for envelope in smtp_server.wait_for(count)
    ]


def test_a_reply_with_a_chosen_a_dropped_and_a_pasted_file_arrives_as_mime(
    browser_page, agent_north, olga, smtp_server, tmp_path
):
    page = browser_page
    core_actions.set_signature(agent_north, agent_north, "Nora\nShop Support")
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 receipt")
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{olga.pk}/")

    assert page.locator("#reply-to").input_value() == "olga@example.com"
    suggestions = page.locator("#known-addresses option")
    assert suggestions.evaluate_all("options => options.map(o => o.value)") == [
        "olga@example.com",
        "olga.work@example.com",
    ]
    assert "Nora\nShop Support" in page.locator(".signature-text").first.inner_text()
    assert "up to 10.0\xa0MB in all" in page.locator("#reply-files-hint").inner_text()

    page.locator("#reply-cc").fill("olga.work@example.com")
    page.locator("#reply-bcc").fill("archive@shop.test")
    page.locator("#reply-text").fill("Here is your receipt and the photos.")
    page.locator("#reply-files").set_input_files(str(receipt))
    # A file dropped on the form, and a screenshot pasted into the text, join the chosen one.
    page.locator("#reply-form").evaluate(
        """form => {
            const dropped = new DataTransfer();
            dropped.items.add(new File(["GIF89a"], "dropped.gif", {type: "image/gif"}));
            form.dispatchEvent(new DragEvent("drop", {dataTransfer: dropped, bubbles: true,
                                                      cancelable: true}));
            const pasted = new DataTransfer();
            pasted.items.add(new File(["PNG"], "image.png", {type: "image/png"}));
            document.getElementById("reply-text").dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: pasted, bubbles: true,
                                             cancelable: true}));
        }"""
    )
    chosen = page.locator("#reply-chosen li")
    assert chosen.all_inner_texts() == [
        "receipt.pdf (16 bytes)",
        "dropped.gif (6 bytes)",
        "image.png (3 bytes)",
    ]
    screenshot(page, "composer-files-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "composer-files-375")
    page.set_viewport_size(WIDE)

    page.get_by_role("button", name="Send reply").click()
    page.locator(".flash", has_text="queued for sending").wait_for()
    assert send_due_outbound() >= 1
    mails = sent_mails(smtp_server, 1)
    (envelope, mail) = next((e, m) for e, m in mails if m["Auto-Submitted"] is None)
    assert sorted(envelope.rcpt_tos) == [
        "archive@shop.test",
        "olga.work@example.com",
        "olga@example.com",
    ]
    assert mail["Cc"] == "olga.work@example.com" and mail["Bcc"] is None
    files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert files == {
        "receipt.pdf": b"%PDF-1.4 receipt",
        "dropped.gif": b"GIF89a",
        "image.png": b"PNG",
    }
    body = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body.rstrip().endswith("\n-- \nNora\nShop Support")

    # On the thread, the reply's files are shown like the customer's.
    reply = page.locator("#thread .direction-outbound").last
    assert reply.locator(".attachments a").all_inner_texts() == [
        "receipt.pdf",
        "dropped.gif",
        "image.png",
    ]
    assert "Bcc archive@shop.test" in reply.locator(".recipients").inner_text()


def test_an_invalid_copy_address_is_shown_next_to_its_field(browser_page, agent_north, olga):
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{olga.pk}/")
    page.locator("#reply-cc").fill("olga.work@example")
    page.locator("#reply-text").fill("Hello")
    page.get_by_role("button", name="Send reply").click()

    error = page.locator("#reply-cc-error")
    error.wait_for()
    assert "is not one email address" in error.inner_text()
    assert page.locator("#reply-cc").get_attribute("aria-invalid") == "true"
    assert page.locator("#reply-text").input_value() == "Hello"


def test_a_message_is_forwarded_with_its_file(
    browser_page, agent_north, north, mailbox, smtp_server, tmp_path
):
    conversation = write_in(
        north,
        "olga@example.com",
        "Broken kettle",
        "Photo of the lid attached.",
        name="Olga Berg",
        mailbox=mailbox,
        attachments=[IncomingAttachment("lid.jpg", "image/jpeg", b"\xff\xd8lid")],
    )
    original = conversation.messages.get()
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{conversation.pk}/")

    page.locator(f"#forward-{original.pk}").click()
    page.locator("#forward-to").fill("repairs@supplier.example")
    page.locator("#forward-text").fill("Can you replace this lid?")
    screenshot(page, "composer-forward-1280")
    page.get_by_role("button", name="Forward", exact=True).click()
    page.locator(".flash", has_text="Forward to repairs@supplier.example queued").wait_for()

    send_due_outbound()
    (envelope, mail) = next(
        (e, m) for e, m in sent_mails(smtp_server, 1) if "repairs@supplier.example" in e.rcpt_tos
    )
    assert mail["Subject"] == f"Fwd: Broken kettle [#{conversation.pk}]"
    assert [p.get_filename() for p in mail.iter_attachments()] == ["lid.jpg"]
    assert "Forwarded to repairs@supplier.example" in page.locator("#thread").inner_text()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "375"])
def test_a_customer_without_email_is_offered_a_call_and_why_email_cannot(
    browser_page, agent_north, north, viewport
):
    customer = Customer.objects.create(name="Walter Walk-In", location=north)
    Identity.objects.create(customer=customer, kind=IdentityKind.PHONE, value="+442079460000")
    visit = actions.start_conversation(
        agent_north, customer, channel=Channel.WALK_IN, subject="Kettle lid", text="Came in"
    )
    page = browser_page
    page.set_viewport_size(viewport)
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{visit.pk}/")

    assert page.locator("#reply-form").count() == 0
    assert page.locator("#reply-text").count() == 0
    explanation = page.locator("#no-email")
    assert "No email address is known for this customer — add one, or log a call." in (
        explanation.inner_text()
    )
    explanation.scroll_into_view_if_needed()
    screenshot(page, f"composer-no-email-{viewport['width']}")

    page.locator("#no-email-log-call").click()
    log_form = page.locator("#log-form")
    log_form.wait_for(state="visible")
    page.locator("#log-outbound").check()
    page.locator("#log-text").fill("Called Walter: the new lid is in.")
    page.get_by_role("button", name="Log contact").click()
    page.locator(".flash", has_text="Phone call logged.").wait_for()
    assert visit.messages.filter(direction=Direction.OUTBOUND, channel=Channel.PHONE).count() == 1

    page.locator("#no-email-call-back").click()
    page.locator("#callback-form").wait_for(state="visible")
    assert page.locator("#callback-number").input_value() == "+442079460000"


def test_the_size_limit_shown_follows_the_mailbox_chosen_to_send_from(
    browser_page, agent_north, north, mailbox
):
    from helpline.core.models import Mailbox

    Mailbox.objects.create(
        address="big@shop.test", location=north, attachment_limit_bytes=20 * 1024 * 1024
    )
    customer = Customer.objects.create(name="Wanda", location=north)
    Identity.objects.create(customer=customer, kind=IdentityKind.EMAIL, value="wanda@example.com")
    visit = actions.start_conversation(
        agent_north, customer, channel=Channel.WALK_IN, subject="Receipt", text="Needs a copy"
    )
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{visit.pk}/")
    hint = page.locator("#reply-files-hint")
    assert "up to 20.0\xa0MB in all (the limit of big@shop.test)." in hint.inner_text()

    page.locator("#reply-mailbox").select_option(label="Shop Support <support@shop.test>")

    assert "up to 10.0\xa0MB in all (the limit of support@shop.test)." in hint.inner_text()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "375"])
def test_an_agent_writes_their_signature_from_the_composer(
    browser_page, agent_north, olga, viewport
):
    page = browser_page
    page.set_viewport_size(viewport)
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{olga.pk}/")
    assert "No signature is added." in page.locator("#reply-form .signature-preview").inner_text()

    page.locator("#reply-form .signature-preview a").click()
    page.locator("#signature-text").fill("Nora Lind\nShop Support, North Street")
    screenshot(page, f"composer-signature-{viewport['width']}")
    page.get_by_role("button", name="Save signature").click()

    page.wait_for_url(f"**/conversations/{olga.pk}/")
    preview = page.locator("#reply-form .signature-text")
    assert preview.inner_text() == "-- \nNora Lind\nShop Support, North Street"
