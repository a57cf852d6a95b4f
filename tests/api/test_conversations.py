"""Conversations through the API: list with filters, read, start, change, reply, note."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from helpline.channels.email.models import OutboundEmail
from helpline.conversations import actions
from helpline.conversations.models import Conversation, Delivery, Direction, Status
from helpline.core.models import Activity, Team
from helpline.customers import actions as customer_actions
from tests.api.conftest import write_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing(north):
    return Team.objects.create(name="Billing", location=north)


@pytest.fixture
def three(north, agent_north, admin):
    """Three conversations at North Street: one urgent and tagged, one assigned, one solved."""
    first = write_in(north, "a@example.com", "Broken zip").conversation
    second = write_in(north, "b@example.com", "Refund").conversation
    third = write_in(north, "c@example.com", "Thanks").conversation
    actions.set_priority(admin, first, "urgent")
    actions.set_tags(admin, first, ["VIP", "zip"])
    actions.assign(admin, second, assignee=agent_north)
    actions.set_status(admin, third, "solved")
    return first, second, third


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_it_lists_conversations_latest_activity_first(nora_api, three):
    first, second, third = three
    write_in(first.location, "a@example.com", f"Re: Broken zip {first.token}")

    assert ids(nora_api.get("/conversations")) == [first.pk, third.pk, second.pk]
    assert ids(nora_api.get("/conversations", order="newest")) == [third.pk, second.pk, first.pk]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "solved"}, [2]),
        ({"priority": "urgent"}, [0]),
        ({"tag": "vip"}, [0]),
        ({"tag": "VIP"}, [0]),
        ({"assignee": "me"}, [1]),
        ({"assignee": "none"}, [2, 0]),
        ({"channel": "email", "status": "new"}, [1, 0]),
        ({"channel": "phone"}, []),
    ],
)
def test_it_filters_conversations(nora_api, three, params, expected):
    assert ids(nora_api.get("/conversations", **params)) == [three[i].pk for i in expected]


def test_it_filters_by_customer_location_team_and_assignee_id(
    ada_api, three, north, south, billing, agent_north, admin
):
    first, second, third = three
    actions.assign(admin, third, team=billing)
    elsewhere = write_in(south, "d@example.de", "Hallo").conversation

    assert ids(ada_api.get("/conversations", customer=first.customer_id)) == [first.pk]
    assert ids(ada_api.get("/conversations", location=south.pk)) == [elsewhere.pk]
    assert ids(ada_api.get("/conversations", team=billing.pk)) == [third.pk]
    assert ids(ada_api.get("/conversations", assignee=agent_north.pk)) == [second.pk]


def test_it_lists_only_conversations_changed_since_a_moment(nora_api, three):
    first, second, third = three
    since = Conversation.objects.get(pk=third.pk).updated_at
    actions.rename(None, first, "Broken zip, again")

    listed = ids(nora_api.get("/conversations", updated_since=since.isoformat()))

    assert set(listed) == {first.pk, third.pk}


def test_it_shows_one_conversation(nora_api, three, agent_north):
    first, second, third = three

    body = nora_api.get(f"/conversations/{second.pk}").json()

    assert body["subject"] == "Refund"
    assert body["assignee"] == {"id": agent_north.pk, "username": "nora", "name": "Nora"}
    assert body["customer"]["id"] == second.customer_id
    assert body["location"]["name"] == "North Street"
    assert nora_api.get(f"/conversations/{first.pk}").json()["tags"] == ["vip", "zip"]


def test_an_agent_starts_a_conversation_for_a_phone_call(nora_api, agent_north, three, billing):
    customer_id = three[0].customer_id

    response = nora_api.post(
        "/conversations",
        {
            "customer_id": customer_id,
            "channel": "phone",
            "subject": "Called about the zip",
            "text": "Customer says the zip is still broken.",
            "team_id": billing.pk,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    conversation = Conversation.objects.get(pk=body["id"])
    assert (conversation.channel, conversation.customer_id) == ("phone", customer_id)
    assert conversation.team == billing
    assert conversation.messages.get().author == agent_north
    assert body["last_message_at"] is not None


def test_starting_a_conversation_for_an_unknown_customer_names_the_field(nora_api, three):
    response = nora_api.post("/conversations", {"customer_id": 999999, "channel": "phone"})

    assert response.status_code == 400
    assert response.json()["detail"] == [{"field": "customer_id", "message": "no such customer"}]


def test_starting_a_conversation_on_an_unknown_channel_names_the_field(nora_api, three):
    response = nora_api.post(
        "/conversations", {"customer_id": three[0].customer_id, "channel": "pigeon"}
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["channel"]


def test_it_changes_status_priority_subject_assignee_team_and_tags_at_once(
    nora_api, three, agent_north, billing
):
    first = three[0]

    response = nora_api.patch(
        f"/conversations/{first.pk}",
        {
            "status": "pending",
            "priority": "high",
            "subject": "Zip replaced",
            "assignee_id": agent_north.pk,
            "team_id": billing.pk,
            "tags": ["Replacement"],
        },
    )

    assert response.status_code == 200, response.content
    first.refresh_from_db()
    assert (first.status, first.priority, first.subject) == ("pending", "high", "Zip replaced")
    assert (first.assignee, first.team) == (agent_north, billing)
    assert response.json()["tags"] == ["replacement"]
    verbs = set(Activity.objects.filter(actor=agent_north).values_list("verb", flat=True))
    assert {"conversation.status_changed", "conversation.assigned", "conversation.tagged"} <= verbs


def test_assigning_only_a_team_keeps_the_assignee(nora_api, three, agent_north, billing):
    second = three[1]

    nora_api.patch(f"/conversations/{second.pk}", {"team_id": billing.pk})

    second.refresh_from_db()
    assert (second.assignee, second.team) == (agent_north, billing)


def test_a_null_assignee_unassigns(nora_api, three):
    second = three[1]

    response = nora_api.patch(f"/conversations/{second.pk}", {"assignee_id": None})

    assert response.json()["assignee"] is None


def test_assigning_an_agent_of_another_location_names_the_field(nora_api, three, agent_south):
    response = nora_api.patch(f"/conversations/{three[0].pk}", {"assignee_id": agent_south.pk})

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "assignee_id"


def test_a_team_of_another_location_names_the_field(nora_api, three, south):
    elsewhere = Team.objects.create(name="South desk", location=south)

    response = nora_api.patch(f"/conversations/{three[0].pk}", {"team_id": elsewhere.pk})

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "team_id"


def test_a_refused_change_changes_nothing(nora_api, three):
    first = three[0]

    response = nora_api.patch(f"/conversations/{first.pk}", {"status": "open", "team_id": 999999})

    assert response.status_code == 400
    assert response.json()["detail"] == [{"field": "team_id", "message": "no such team"}]
    first.refresh_from_db()
    assert first.status == Status.NEW


def test_a_reply_goes_to_the_outbox(nora_api, agent_north, north_conversation):
    response = nora_api.post(
        f"/conversations/{north_conversation.pk}/reply",
        {"text": "It ships today.", "html": "<p>It ships <b>today</b>.<script>x()</script></p>"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["direction"], body["delivery"]) == ("outbound", "queued")
    assert body["author"]["username"] == "nora"
    outbound = OutboundEmail.objects.get(message_id=body["id"])
    assert outbound.to == ["maria@example.com"]
    assert "<script>" not in outbound.message.html
    north_conversation.refresh_from_db()
    assert north_conversation.status == Status.OPEN


def test_a_reply_to_a_customer_without_email_names_the_field(nora_api, north):
    walk_in = customer_actions.create_customer(None, name="Walk-in", location=north)
    conversation = actions.start_conversation(None, walk_in, channel="walk_in")

    response = nora_api.post(f"/conversations/{conversation.pk}/reply", {"text": "Hi"})

    assert response.status_code == 400
    assert response.json()["detail"] == [
        {
            "field": "to",
            "message": "No email address is known for this customer — add one, or log a call.",
        }
    ]
    assert not OutboundEmail.objects.exists()


def test_a_reply_names_its_copies_and_refuses_an_address_that_is_not_one(
    nora_api, north_conversation
):
    url = f"/conversations/{north_conversation.pk}/reply"
    refused = nora_api.post(url, {"text": "Hi", "cc": ["a@example.com\r\nBcc: x@evil.test"]})
    assert refused.status_code == 400
    assert refused.json()["detail"][0]["field"] == "cc"

    response = nora_api.post(
        url, {"text": "Hi", "to": "maria@example.com", "bcc": ["archive@shop.test"]}
    )
    assert response.status_code == 201, response.content
    outbound = OutboundEmail.objects.get()
    assert (outbound.to, outbound.bcc) == (["maria@example.com"], ["archive@shop.test"])


def test_an_internal_note_is_not_sent(nora_api, north_conversation):
    response = nora_api.post(
        f"/conversations/{north_conversation.pk}/notes", {"text": "Called the courier."}
    )

    assert response.status_code == 201
    assert response.json()["direction"] == Direction.NOTE
    assert response.json()["delivery"] == Delivery.NOT_APPLICABLE
    assert not OutboundEmail.objects.exists()


def test_an_agent_logs_a_walk_in_and_how_long_they_queued(nora_api, north_conversation):
    response = nora_api.post(
        f"/conversations/{north_conversation.pk}/contacts",
        {"channel": "walk_in", "direction": "inbound", "text": "Came in", "waited_minutes": 12},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["channel"], body["direction"]) == ("walk_in", "inbound")
    assert body["wait"]["helped_after_seconds"] == 720
    assert body["wait"]["answered_at"] is not None
    assert Activity.objects.filter(verb="conversation.contact_logged").exists()


def test_an_outbound_call_answers_the_customer(nora_api, north_conversation):
    response = nora_api.post(
        f"/conversations/{north_conversation.pk}/contacts",
        {"channel": "phone", "direction": "outbound", "text": "Called her back"},
    )

    assert response.status_code == 201, response.content
    conversation = Conversation.objects.get(pk=north_conversation.pk)
    assert conversation.waiting_since is None
    assert conversation.first_response_at is not None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"channel": "email", "direction": "inbound", "text": "x"}, "channel"),
        ({"channel": "phone", "direction": "inbound", "text": "x", "waited_minutes": -1}, None),
        ({"channel": "phone", "direction": "outbound", "text": "x", "waited_minutes": 3}, None),
        ({"channel": "phone", "direction": "inbound", "text": ""}, "text"),
    ],
)
def test_a_bad_contact_names_its_field_and_logs_nothing(nora_api, north_conversation, body, field):
    before = north_conversation.messages.count()

    response = nora_api.post(f"/conversations/{north_conversation.pk}/contacts", body)

    assert response.status_code in (400, 422), response.content
    fields = [error["field"] for error in response.json()["detail"]]
    assert (field or "waited_minutes") in fields
    assert north_conversation.messages.count() == before


def test_another_locations_conversation_is_not_found(sam_api, north_conversation):
    response = sam_api.post(
        f"/conversations/{north_conversation.pk}/contacts",
        {"channel": "phone", "direction": "inbound", "text": "Hi"},
    )
    assert response.status_code == 404


def test_pending_until_a_moment_and_a_past_one_refused(nora_api, three):
    first = three[0]
    until = (timezone.now() + timedelta(days=2)).replace(microsecond=0)

    response = nora_api.patch(
        f"/conversations/{first.pk}", {"status": "pending", "pending_until": until.isoformat()}
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert datetime.fromisoformat(response.json()["pending_until"]) == until
    first.refresh_from_db()
    assert first.pending_until == until
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    refused = nora_api.patch(f"/conversations/{first.pk}", {"pending_until": past})
    assert refused.status_code == 400, refused.content
    assert "pending_until" in refused.content.decode()
    first.refresh_from_db()
    assert first.pending_until == until
    reopened = nora_api.patch(f"/conversations/{first.pk}", {"status": "open"})
    assert reopened.json()["pending_until"] is None
