"""Every parameter a request gives is parsed strictly (helpline.core.params): an id is ASCII
digits, a moment lies within its window. Each case here answered 500, or read another row,
before: "²".isdigit() is true and int("²") fails; int("１") and int("١٢") are 1 and 12, so a
merge of customer "１" merged customer 1; 9999-12-31T23:59:59-23:59 cannot be read in UTC.
A refused value is a 400 (the API: 4xx JSON) that names it, and nothing is changed.
"""

import pytest

from helpline.callbacks.models import Callback
from helpline.conversations.models import Conversation, Message, Status
from helpline.core.models import Location
from helpline.core.params import InvalidParameter, is_id, parse_id, parse_int, parse_moment
from helpline.core.tokens import issue_token
from helpline.customers.models import Customer
from helpline.hours.models import Closure
from tests.api.conftest import ApiClient
from tests.channels.phone.conftest import north_line  # noqa: F401
from tests.channels.phone.test_webhooks import (
    SITE,
    TWILIO_PATH,
    event,
    post_twilio,
    sign,
    status_callback,
    twilio_settings,  # noqa: F401
)
from tests.desk.conftest import write_in
from tests.desk.test_conversation_page import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.date_windows]

NOT_ASCII_DIGITS = ["²", "１", "١٢", "٣"]
EDGES = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]


def api(user) -> ApiClient:
    return ApiClient(issue_token(user, "tests"))


def refused(response, field: str, statuses=(400,)) -> str:
    assert response.status_code in statuses, response.content[:500]
    fields = [error["field"] for error in response.json()["detail"]]
    assert field in fields, fields
    return response.json()["detail"][0]["message"]


def bad_page(response, field: str) -> None:
    assert response.status_code == 400, response.content[:300]
    assert f"The value of “{field}” is not valid" in response.content.decode()


# The helper --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [*NOT_ASCII_DIGITS, "", " 1", "1 ", "1\n", "+1", "1_0", "0", "-1", "9" * 19, None]
)
def test_an_id_is_ascii_digits_within_a_bigint(value):
    with pytest.raises(InvalidParameter) as refusal:
        parse_id(value, "customer")
    assert refusal.value.field == "customer"
    assert not is_id(value)


def test_ids_and_numbers_that_are_read():
    assert parse_id("12", "x") == 12
    assert parse_id(str(2**63 - 1), "x") == 2**63 - 1
    assert parse_int(" -5 ", "x", low=-10, high=10) == -5
    for value in ("١٢", "5", "99"):
        with pytest.raises(InvalidParameter):
            parse_int(value, "x", low=-10, high=4)


@pytest.mark.parametrize("value", [*EDGES, "٢٠٢٦-01-01T10:00Z", "2026-01-01T10:00", "soon", ""])
def test_a_moment_has_a_zone_and_lies_within_a_century(value):
    with pytest.raises(InvalidParameter) as refusal:
        parse_moment(value, "since")
    assert refusal.value.field == "since"


# The desk ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*NOT_ASCII_DIGITS, "9" * 30])
def test_the_inbox_refuses_a_location_that_is_not_an_id(value, north, agent_north):
    client = client_for(agent_north)
    bad_page(client.get("/", {"location": value}), "location")
    bad_page(client.get("/inbox/updates/", {"team": value}), "team")
    bad_page(client.get("/search/", {"q": "kettle", "location": value}), "location")


@pytest.mark.parametrize("since", EDGES)
def test_the_inbox_poll_refuses_a_since_at_the_calendars_edge(since, agent_north):
    bad_page(client_for(agent_north).get("/inbox/updates/", {"since": since}), "since")


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
def test_the_customer_list_refuses_an_after_that_is_not_an_id(value, agent_north):
    bad_page(client_for(agent_north).get("/customers/", {"after": value}), "after")


def test_a_merge_never_reads_other_digits_as_an_id(north, admin):
    first = write_in(north, "one@example.com", "One").customer
    second = write_in(north, "two@example.com", "Two").customer
    forged = "".join(chr(ord("０") + int(d)) for d in str(first.pk))  # full-width digits
    response = client_for(admin).post(
        f"/customers/{second.pk}/merge/", {"source": str(second.pk), "into": forged}
    )
    bad_page(response, "into")
    assert not Customer.objects.exclude(merged_into=None).exists()
    bad_page(client_for(admin).get(f"/customers/{second.pk}/merge/", {"other": forged}), "other")


def test_bulk_assign_never_reads_other_digits_as_an_agent(north, agent_north, admin):
    conversation = write_in(north, "maria@example.com", "Order")
    forged = "".join(chr(ord("٠") + int(d)) for d in str(admin.pk))  # Arabic-Indic digits
    response = client_for(agent_north).post(
        "/inbox/bulk/", {"ids": conversation.pk, "action": "assign", "assignee": forged}
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee_id is None
    bad_page(client_for(agent_north).post("/inbox/bulk/", {"ids": "１", "action": "solve"}), "ids")
    assert Conversation.objects.get().status != Status.SOLVED


def test_the_assign_form_names_an_agent_in_other_digits_as_no_agent(north, agent_north):
    conversation = write_in(north, "maria@example.com", "Order")
    forged = "".join(chr(ord("０") + int(d)) for d in str(agent_north.pk))
    response = client_for(agent_north).post(
        f"/conversations/{conversation.pk}/assign/", {"assignee": forged}
    )
    assert response.status_code == 400
    assert "no such agent" in response.content.decode()


@pytest.mark.parametrize("due_at", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_call_back_at_the_calendars_edge_west_and_east(due_at, north, agent_north):
    for zone in ("America/Los_Angeles", "Asia/Tokyo"):
        Location.objects.filter(pk=north.pk).update(timezone=zone)
        conversation = write_in(north, f"{zone[:4].lower()}@example.com", "Call me")
        response = client_for(agent_north).post(
            f"/conversations/{conversation.pk}/call-back/",
            {"phone_number": "+447700900123", "due_at": due_at},
        )
        assert response.status_code == 400, response.content[:300]
    assert not Callback.objects.exists()


@pytest.mark.parametrize("until", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_pending_until_the_calendars_edge(until, north, agent_north):
    Location.objects.filter(pk=north.pk).update(timezone="America/Los_Angeles")
    conversation = write_in(north, "maria@example.com", "Order")
    response = client_for(agent_north).post(
        f"/conversations/{conversation.pk}/update/",
        {"status": "pending", "pending_until": until},
    )
    assert response.status_code == 400, response.content[:300]
    conversation.refresh_from_db()
    assert conversation.pending_until is None


def test_a_waiting_time_in_other_digits_is_refused(north, agent_north):
    conversation = write_in(north, "maria@example.com", "Order")
    response = client_for(agent_north).post(
        f"/conversations/{conversation.pk}/log-contact/",
        {"channel": "phone", "direction": "inbound", "text": "Rang", "waited_minutes": "١٢"},
    )
    assert response.status_code == 400
    assert "whole minutes" in response.content.decode()


def test_a_settings_number_in_other_digits_is_the_fields_error(admin, mailbox):
    response = client_for(admin).post(
        f"/settings/mailboxes/{mailbox.pk}/",
        {"address": "help@shop.test", "delivery": "push", "imap_port": "９９３"},
    )
    assert response.status_code in (200, 400)
    assert "Use the digits 0 to 9." in response.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.imap_port != 993 or mailbox.address != "help@shop.test"


@pytest.mark.parametrize("back", ["²", "me", "next", "/customers/"])
def test_the_signature_form_goes_back_only_to_a_path(back, agent_north):
    response = client_for(agent_north).post(
        "/account/signature/", {"signature": "Nora", "next": back}
    )
    assert response.status_code == 302
    assert response.url == (back if back.startswith("/") else "/account/signature/")


def test_a_location_id_beyond_a_bigint_is_the_fields_error(admin, agent_north, north):
    data = {"first_name": "Nora", "role": "agent", "is_active": "on", "locations": "9" * 30}
    response = client_for(admin).post(f"/settings/agents/{agent_north.pk}/", data)
    assert response.status_code in (200, 400)
    assert "Choose one of the options offered." in response.content.decode()
    assert list(agent_north.locations.all()) == [north]


# The API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
def test_the_api_refuses_ids_in_other_digits(value, agent_north):
    client = api(agent_north)
    refused(client.get("/conversations", assignee=value), "assignee", (422,))
    refused(client.get("/conversations", location=value), "location", (422,))
    refused(client.get("/search/conversations", q="x", assignee=value), "assignee", (422,))
    refused(client.post("/customers", {"name": "X", "location_id": value}), "location_id", (422,))


@pytest.mark.parametrize("moment", EDGES)
def test_the_api_refuses_filters_at_the_calendars_edge(moment, north, agent_north):
    client = api(agent_north)
    refused(client.get("/conversations", updated_since=moment), "updated_since", (422,))
    refused(client.get("/appointments", **{"from": moment}), "from", (422,))
    refused(client.get("/appointments", to=moment), "to", (422,))
    business = client.get(f"/locations/{north.pk}/business-time", start=moment, duration_minutes=5)
    refused(business, "start")  # the hours' own years (hours.actions.EARLIEST_YEAR…)


@pytest.mark.parametrize("moment", EDGES)
def test_a_cursor_at_the_calendars_edge_is_not_a_cursor(moment, agent_north):
    from helpline.api.conversations import ORDERINGS
    from helpline.api.pagination import encode_cursor

    ordering = ORDERINGS["last_message"]
    cursor = encode_cursor(ordering, [moment, 1])
    refused(api(agent_north).get("/conversations", cursor=cursor), "cursor")


@pytest.mark.parametrize("moment", EDGES)
def test_dates_an_action_keeps_at_the_calendars_edge(moment, north, admin):
    client = api(admin)
    customer = write_in(north, "maria@example.com", "Order").customer
    body = {"customer_id": customer.pk, "phone_number": "+447700900123", "due_at": moment}
    refused(client.post("/callbacks", body), "due_at")
    closure = {"starts_at": moment, "ends_at": moment}
    refused(client.post(f"/locations/{north.pk}/closures", closure), "starts_at")
    assert not Callback.objects.exists() and not Closure.objects.exists()


@pytest.mark.parametrize("moment", EDGES)
def test_call_events_at_the_calendars_edge(moment, north_line, agent_north):  # noqa: F811
    refused(api(agent_north).post("/calls/events", event(started_at=moment)), "started_at")
    assert not Message.objects.exists()


def test_a_signed_twilio_timestamp_at_the_calendars_edge(twilio_settings, north_line):  # noqa: F811
    params = status_callback(Timestamp="Fri, 31 Dec 9999 23:59:59 -2359", CallDuration="30")
    refused(post_twilio(params, sign(params, SITE + TWILIO_PATH)), "Timestamp")
    params = status_callback(CallDuration="١٢")
    refused(post_twilio(params, sign(params, SITE + TWILIO_PATH)), "CallDuration")
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("url", "field"), [("/insights/themes/?theme=１", "theme"), ("/surveys/?days=１", "days")]
)
def test_the_listening_pages_read_only_ascii_numbers(agent_north, url, field):
    bad_page(client_for(agent_north).get(url), field)


def test_a_nul_byte_is_refused_naming_its_field(north, agent_north):
    """PostgreSQL cannot store one: the note, tags and signature forms answered 500 there."""
    conversation = write_in(north, "maria@example.com", "Order")
    client = client_for(agent_north)
    bad_page(client.post(f"/conversations/{conversation.pk}/note/", {"text": "a\x00b"}), "text")
    assert not conversation.messages.filter(direction="note").exists()
