"""The composer: addresses, files and signatures on replies and notes, forwarding, and what is
offered for a customer no email can reach."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from helpline.channels.email.models import OutboundEmail
from helpline.conversations import actions
from helpline.conversations.models import Direction
from helpline.conversations.receive import IncomingAttachment, receive
from helpline.customers.models import Customer, Identity, IdentityKind
from tests.conftest import email_from
from tests.desk.test_conversation_page import action_url, client_for, page_url, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(mailbox):
    """Maria wrote to the North Street mailbox, with an invoice attached."""
    return receive(
        email_from(
            name="Maria Lopez",
            subject="Order 123",
            text="Where is it?",
            mailbox=mailbox,
            attachments=[IncomingAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 x")],
        )
    ).message.conversation


@pytest.fixture
def nora(agent_north):
    return client_for(agent_north)


def upload(name="receipt.pdf", content=b"%PDF-1.4 receipt"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_a_reply_is_sent_to_the_typed_addresses_with_its_file(conversation, nora):
    response = nora.post(
        action_url("reply", conversation),
        {
            "to": "maria@example.com",
            "cc": "boss@example.com, lead@shop.test",
            "bcc": "archive@shop.test",
            "text": "Receipt attached.",
            "files": [upload()],
        },
    )

    assert response.status_code == 302
    outbound = OutboundEmail.objects.get()
    assert outbound.cc == ["boss@example.com", "lead@shop.test"]
    assert outbound.bcc == ["archive@shop.test"]
    assert outbound.message.attachments.get().filename == "receipt.pdf"
    page = text_of(nora.get(page_url(conversation)))
    assert "To maria@example.com · Cc boss@example.com, lead@shop.test · Bcc archive@shop.test" in (
        page
    )
    assert page.count("receipt.pdf") == 1


def test_an_invalid_copy_address_is_an_error_next_to_its_field(conversation, nora):
    response = nora.post(
        action_url("reply", conversation),
        {"to": "maria@example.com", "cc": "boss@example", "text": "Hello", "files": [upload()]},
    )

    assert response.status_code == 400
    html = text_of(response)
    cc_input = re.search(r'<input type="text" id="reply-cc".*?>', html, re.S)
    assert cc_input and 'aria-invalid="true"' in cc_input.group()
    assert 'value="boss@example"' in cc_input.group()
    error = re.search(
        r'<div class="error field-error" id="reply-cc-error" role="alert"><p>(.*?)</p>', html
    )
    assert error and "is not one email address" in error.group(1)
    assert (
        html.index('id="reply-cc"')
        < html.index('id="reply-cc-error"')
        < html.index('id="reply-bcc"')
    )
    assert "attach them again" in html
    assert not OutboundEmail.objects.exists()


def test_the_composer_suggests_the_customers_addresses_and_shows_the_limit(
    conversation, nora, mailbox
):
    Identity.objects.create(
        customer=conversation.customer, kind=IdentityKind.EMAIL, value="maria.work@example.com"
    )
    mailbox.attachment_limit_bytes = 5 * 1024 * 1024
    mailbox.save()

    html = text_of(nora.get(page_url(conversation)))

    assert 'list="known-addresses"' in html
    datalist = re.search(r'<datalist id="known-addresses">(.*?)</datalist>', html, re.S)
    assert datalist and re.findall(r'value="([^"]+)"', datalist.group(1)) == [
        "maria@example.com",
        "maria.work@example.com",
    ]
    assert (
        "up to <span data-limit-text>5.0\xa0MB in all (the limit of support@shop.test)</span>."
    ) in html
    assert 'enctype="multipart/form-data"' in html


def test_the_preview_shows_the_signatures_and_the_agent_edits_theirs(
    conversation, nora, agent_north, mailbox
):
    mailbox.signature = "Shop, 1 North Street"
    mailbox.save()
    url = reverse("desk:signature")

    saved = nora.post(url, {"signature": "Nora, Support", "next": page_url(conversation)})

    assert saved.status_code == 302 and saved.url == page_url(conversation)
    agent_north.refresh_from_db()
    assert agent_north.signature == "Nora, Support"
    html = text_of(nora.get(page_url(conversation)))
    assert '<pre class="signature-text">-- \nNora, Support\n\nShop, 1 North Street</pre>' in html
    assert text_of(nora.get(url)).count("Nora, Support") == 1


def test_a_signature_too_long_is_refused_next_to_it(nora):
    response = nora.post(reverse("desk:signature"), {"signature": "x" * 2001})
    assert response.status_code == 400
    assert 'id="signature-error" role="alert"><p>A signature has at most 2000' in text_of(response)


def test_a_note_keeps_an_attached_file(conversation, nora):
    response = nora.post(
        action_url("note", conversation), {"text": "The courier's receipt", "files": [upload()]}
    )

    assert response.status_code == 302
    note = conversation.messages.get(direction=Direction.NOTE)
    assert note.attachments.get().filename == "receipt.pdf"
    assert not OutboundEmail.objects.exists()


def test_a_message_is_forwarded_from_the_page(conversation, nora):
    original = conversation.messages.get()
    offered = text_of(nora.get(page_url(conversation)))
    assert f'href="?forward={original.pk}#forward-section"' in offered

    form = text_of(nora.get(page_url(conversation) + f"?forward={original.pk}"))
    assert 'id="forward-form"' in form and "with its 1 file" in form

    response = nora.post(
        action_url("forward", conversation),
        {"message": original.pk, "to": "courier@example.org", "text": "Please check."},
    )

    assert response.status_code == 302
    sent = OutboundEmail.objects.get()
    assert sent.to == ["courier@example.org"]
    assert [a.filename for a in sent.message.attachments.all()] == ["invoice.pdf"]


def test_a_forward_without_an_address_is_refused_next_to_the_field(conversation, nora):
    original = conversation.messages.get()
    response = nora.post(action_url("forward", conversation), {"message": original.pk, "to": ""})

    assert response.status_code == 400
    html = text_of(response)
    assert 'id="forward-form"' in html
    assert 'id="forward-to-error" role="alert"><p>Give an email address.</p>' in html


def test_a_message_of_another_conversation_is_not_forwarded(conversation, nora, north):
    other = actions.start_conversation(
        None, Customer.objects.create(name="Otto", location=north), channel="phone", text="Hi"
    )
    response = nora.post(
        action_url("forward", conversation),
        {"message": other.messages.get().pk, "to": "courier@example.org"},
    )
    assert response.status_code == 400
    assert (
        'id="forward-error" role="alert">Choose a message of this conversation to forward.</p>'
    ) in text_of(response)
    assert not OutboundEmail.objects.exists()


@pytest.fixture
def walk_in(north, agent_north):
    customer = Customer.objects.create(name="Walk In", location=north)
    Identity.objects.create(customer=customer, kind=IdentityKind.PHONE, value="+442079460000")
    return actions.start_conversation(
        agent_north, customer, channel="walk_in", subject="Visit", text="Hi"
    )


def test_a_customer_without_email_is_offered_a_call_not_a_composer(walk_in, nora):
    html = text_of(nora.get(page_url(walk_in)))

    assert 'id="reply-form"' not in html
    assert "No email address is known for this customer</strong> — add one, or log a call." in html
    assert 'id="no-email-log-call" href="?open=log#log-contact"' in html
    assert 'id="no-email-call-back" href="?open=callback#call-back"' in html
    edit = reverse("desk:customer-edit", args=[walk_in.customer_id])
    assert f'id="no-email-add-address" href="{edit}#identity-form"' in html
    assert '<details class="card composer" id="log-contact" open>' in text_of(
        nora.get(page_url(walk_in) + "?open=log")
    )


def test_a_reply_to_a_customer_without_email_says_why_in_plain_words(walk_in, nora):
    response = nora.post(action_url("reply", walk_in), {"text": "Hello"})

    assert response.status_code == 400
    assert (
        'id="reply-error" role="alert"><p>No email address is known for this customer — add one, '
        "or log a call.</p>"
    ) in text_of(response)


def test_a_file_too_large_for_any_mail_is_not_even_read(conversation, nora, settings):
    settings.HELPLINE_MAX_EMAIL_BYTES = 10
    response = nora.post(
        action_url("note", conversation), {"text": "Scan", "files": [upload(content=b"x" * 11)]}
    )
    assert response.status_code == 400
    assert 'id="note-files-error" role="alert"><p>The files come to 11' in text_of(response)


def test_the_thread_shows_a_notes_file_like_an_inbound_one(conversation, agent_north, nora):
    note = actions.add_note(
        agent_north,
        conversation,
        "Receipt",
        files=[IncomingAttachment("receipt.pdf", "", b"%PDF")],
    )
    html = text_of(nora.get(page_url(conversation)))
    attachment = note.attachments.get()
    assert f'href="{reverse("attachment-download", args=[attachment.pk])}">receipt.pdf</a>' in html
