"""Every desk form: a refused input comes back with the error next to its field, in plain
words, the field marked invalid and focused (so the browser scrolls to it), what was typed
kept; the phone library's own text never reaches an agent."""

import html
import re
from datetime import time
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from helpline.appointments.slots import free_slots
from helpline.callbacks import actions as callback_actions
from helpline.callbacks.models import Reason
from helpline.customers import actions as customer_actions
from helpline.hours.actions import set_opening_hours
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db

MARIA_PHONE = "+447700900123"
LIBRARY_TEXTS = ("The string supplied", "(1)", "(0)", "NumberParseException", "did not seem")


@pytest.fixture
def world(north, mailbox, agent_north):
    set_opening_hours(None, north, [(day, time(9), time(17)) for day in range(7)])
    conversation = write_in(north, "maria@example.com", "Order 123", "Call me", mailbox=mailbox)
    customer = conversation.customer
    customer_actions.add_identity(agent_north, customer, "phone", MARIA_PHONE)
    open_callback = callback_actions.create_callback(
        agent_north, customer, "+447700900456", Reason.REQUESTED
    )
    failed = callback_actions.record_attempt(
        agent_north,
        callback_actions.create_callback(agent_north, customer, "+447700900789", Reason.REQUESTED),
        "wrong_number",
    )
    client = Client()
    client.force_login(agent_north)
    return SimpleNamespace(
        north=north,
        conversation=conversation,
        customer=customer,
        open_callback=open_callback,
        failed=failed,
        client=client,
    )


def conversation_action(name):
    return lambda w: reverse(f"desk:conversation-{name}", args=[w.conversation.pk])


def _slot(w) -> str:
    return free_slots(w.north)[0].starts_at.isoformat()


# name: (url, posted data, id of the error element, words it says)
FORMS = {
    "new customer, phone": (
        lambda w: reverse("desk:customer-new"),
        lambda w: {"name": "Wendy", "phone": "12ab", "location": w.north.pk},
        lambda w: "id_phone_error",
        "“12ab” is not a phone number: type the digits",
    ),
    "new customer, email": (
        lambda w: reverse("desk:customer-new"),
        lambda w: {"name": "Wendy", "email": "wendy", "location": w.north.pk},
        lambda w: "id_email_error",
        "“wendy” is not one email address",
    ),
    "customer details": (
        lambda w: reverse("desk:customer-edit", args=[w.customer.pk]),
        lambda w: {"part": "details", "name": "", "location": w.north.pk},
        lambda w: "id_name_error",
        "A customer needs a name.",
    ),
    "customer identity": (
        lambda w: reverse("desk:customer-edit", args=[w.customer.pk]),
        lambda w: {"part": "identity", "kind": "phone", "value": "12"},
        lambda w: "id_value_error",
        "“12” is not a phone number: it is too short",
    ),
    "customer note": (
        lambda w: reverse("desk:customer-note", args=[w.customer.pk]),
        lambda w: {"body": ""},
        lambda w: "note-error",
        "A note needs text.",
    ),
    "new conversation": (
        lambda w: reverse("desk:conversation-new"),
        lambda w: {
            "name": "Walter",
            "phone": "+999 123",
            "channel": "phone",
            "subject": "Hi",
            "location": w.north.pk,
        },
        lambda w: "id_phone_error",
        "“+999 123” is not a phone number: the country code after the + is not one we know",
    ),
    "new conversation, wait": (
        lambda w: reverse("desk:conversation-new"),
        lambda w: {
            "name": "Walter",
            "channel": "phone",
            "subject": "Hi",
            "waited_minutes": "a while",
            "location": w.north.pk,
        },
        lambda w: "id_waited_minutes_error",
        "Give the waiting time in whole minutes.",
    ),
    "new customer, location": (
        lambda w: reverse("desk:customer-new"),
        lambda w: {"name": "Wendy", "location": ""},
        lambda w: "id_location_error",
        "Choose a location.",
    ),
    "call back": (
        conversation_action("call-back"),
        lambda w: {"phone_number": MARIA_PHONE, "other_number": "12ab", "due_at": ""},
        lambda w: "callback-error",
        "“12ab” is not a phone number",
    ),
    "reply": (
        conversation_action("reply"),
        lambda w: {"text": ""},
        lambda w: "reply-error",
        "a reply needs text",
    ),
    "internal note": (
        conversation_action("note"),
        lambda w: {"text": "  "},
        lambda w: "note-error",
        "a note needs text",
    ),
    "log a call": (
        conversation_action("log-contact"),
        lambda w: {
            "channel": "phone",
            "direction": "inbound",
            "text": "She called",
            "waited_minutes": "a while",
        },
        lambda w: "log-error",
        "give the waiting time in whole minutes",
    ),
    "assign": (
        conversation_action("assign"),
        lambda w: {"assignee": "987654"},
        lambda w: "assign-error",
        "no such agent",
    ),
    "tags": (
        conversation_action("tags"),
        lambda w: {"tags": ", ".join(f"tag-{n}" for n in range(60))},
        lambda w: "tags-error",
        "at most 50 tags",
    ),
    "callback outcome": (
        lambda w: reverse("desk:callback-attempt", args=[w.open_callback.pk]),
        lambda w: {"outcome": "", "note": "rang"},
        lambda w: f"outcome-error-{w.open_callback.pk}",
        "the outcome is one of",
    ),
    "failed callback, new number": (
        lambda w: reverse("desk:callback-queue-again", args=[w.failed.pk]),
        lambda w: {"phone_number": "12ab"},
        lambda w: f"number-error-{w.failed.pk}",
        "“12ab” is not a phone number",
    ),
    "failed callback, dismiss": (
        lambda w: reverse("desk:callback-dismiss", args=[w.failed.pk]),
        lambda w: {"reason": " "},
        lambda w: f"dismiss-error-{w.failed.pk}",
        "say why nobody will call back",
    ),
    "appointment booking": (
        lambda w: reverse("desk:appointment-new"),
        lambda w: {
            "conversation": w.conversation.pk,
            "location": w.north.pk,
            "agent": "",
            "kind": "callback",
            "starts_at": _slot(w),
            "phone_number": "12ab",
            "note": "",
        },
        lambda w: "id_phone_number_error",
        "“12ab” is not a phone number",
    ),
}


def field_described_by(page: str, error_id: str) -> re.Match:
    """The input, select, textarea or fieldset whose aria-describedby names the error."""
    described = rf'aria-describedby="[^"]*\b{error_id}\b[^"]*"'
    pattern = rf"<(input|select|textarea|fieldset|button)\b[^>]*{described}[^>]*>"
    match = re.search(pattern, page)
    assert match, f"no field points at #{error_id}"
    return match


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_refused_input_is_explained_next_to_its_field(name, world):
    url, data, error_id, words = (part(world) if callable(part) else part for part in FORMS[name])
    response = world.client.post(url, data)

    page = response.content.decode()
    assert response.status_code == 400, page[:2000]
    error = re.search(
        rf'<div class="error field-error" id="{error_id}" role="alert">(.*?)</div>', page
    )
    assert error, f"no error #{error_id}"
    said = html.unescape(re.sub(r"<[^>]+>", " ", error.group(1)))
    assert words in said
    for library_text in LIBRARY_TEXTS:
        assert library_text not in page
    field = field_described_by(page, error_id)
    assert 'aria-invalid="true"' in field.group(0) or field.group(1) == "button"
    assert " autofocus" in field.group(0)
    # next to it: after the field, in the same form
    between = page[field.end() : error.start()]
    assert "</form>" not in between and len(between) < 1500
    assert page.count(" autofocus") == 1 or "sign-in" in url  # one field takes the focus


def test_sign_in_refused_says_why_above_the_fields(agent_north):
    response = Client().post(reverse("desk:sign-in"), {"username": "nora", "password": "wrong"})
    page = response.content.decode()
    assert re.search(r'<div class="error field-error" id="sign-in-error" role="alert"><p>', page)


@pytest.mark.parametrize(
    "value, region, words",
    [
        ("12ab", "GB", "“12ab” is not a phone number: type the digits"),
        ("020 7183 8750", "", "start it with + and the country code, e.g. +44 20 7183 8750"),
        ("12", "GB", "“12” is not a phone number: it is too short"),
        ("1234567890123456789", "GB", "it is too long"),
        ("+999 123", "GB", "the country code after the + is not one we know"),
    ],
)
def test_a_number_that_is_none_is_explained_in_words(value, region, words):
    from helpline.customers.identities import InvalidIdentity, normalise_phone

    with pytest.raises(InvalidIdentity) as refused:
        normalise_phone(value, region)
    assert words in str(refused.value)
    assert not any(text in str(refused.value) for text in LIBRARY_TEXTS)
