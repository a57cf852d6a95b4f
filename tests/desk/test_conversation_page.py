"""The conversation page: the thread, the customer beside it, and every action on it."""

import email
import re
from datetime import timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpline.channels.email import outbox
from helpline.channels.email.models import OutboundEmail, OutboxStatus
from helpline.conversations import actions
from helpline.conversations.models import (
    CannedReply,
    Channel,
    Conversation,
    Delivery,
    Direction,
    Message,
    MessageKind,
    Priority,
    Status,
)
from helpline.conversations.receive import IncomingAttachment, receive, receive_many
from helpline.core.models import Activity, Mailbox, Team
from helpline.customers import actions as customer_actions
from helpline.customers.models import Customer, Identity, IdentityKind
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(conversation) -> str:
    return reverse("desk:conversation", args=[conversation.pk])


def action_url(name: str, conversation) -> str:
    return reverse(f"desk:conversation-{name}", args=[conversation.pk])


def activity(verb: str, conversation) -> Activity:
    return Activity.objects.get(verb=verb, subject_type="conversation", subject_id=conversation.pk)


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def conversation(mailbox):
    """Maria wrote to the North Street mailbox, with an invoice attached."""
    received = receive(
        email_from(
            name="Maria Lopez",
            subject="Order 123",
            text="Where is it?",
            full_text="Where is it?\n\n> On Monday you wrote: it ships soon",
            external_id="q1@customer.example",
            mailbox=mailbox,
            attachments=[IncomingAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 x")],
        )
    )
    return received.message.conversation


@pytest.fixture
def nora(agent_north):
    return client_for(agent_north)


# Reading ----------------------------------------------------------------------


def test_the_thread_reads_oldest_first_with_who_what_and_delivery(conversation, agent_north, nora):
    reply = actions.reply(agent_north, conversation, "It ships today.")
    actions.add_note(agent_north, conversation, "Courier says Friday.")
    failed = actions.reply(agent_north, conversation, "Update: Friday.")
    Message.objects.filter(pk=failed.pk).update(
        delivery=Delivery.FAILED, delivery_error="SMTPRecipientsRefused: 550 no such user"
    )
    receive(
        email_from(
            text="I am out of office.",
            kind=MessageKind.AUTO_REPLY,
            conversation=conversation,
        )
    )

    response = nora.get(page_url(conversation))

    assert response.status_code == 200
    html = text_of(response)
    assert f"<title>Order 123 #{conversation.pk} · Helpline</title>" in html
    positions = [
        html.index(text)
        for text in ("Where is it?", "It ships today.", "Courier says Friday.", "Update: Friday.")
    ]
    assert positions == sorted(positions)
    assert 'class="message direction-inbound"' in html
    assert 'class="message direction-note"' in html
    assert 'class="message direction-inbound robot"' in html
    assert "Maria Lopez" in html and "&lt;maria@example.com&gt;" in html
    assert re.search(rf'id="message-{reply.pk}".*?Queued', html, re.S)
    assert "Not sent:</strong> The recipient&#x27;s address was rejected" in html
    assert "<code>SMTPRecipientsRefused: 550 no such user</code>" in html  # for the admin
    assert f'id="retry-{failed.pk}">Retry</button>' in html
    assert "Auto-reply" in html
    attachment = conversation.messages.first().attachments.get()
    assert f'href="{reverse("attachment-download", args=[attachment.pk])}"' in html
    assert "invoice.pdf" in html


def test_the_new_part_is_shown_and_the_full_text_on_request(conversation, agent_north, nora):
    actions.add_note(agent_north, conversation, "Same text both ways.")

    html = text_of(nora.get(page_url(conversation)))

    assert html.count("Show full text") == 1  # only for the message whose full text differs
    assert "&gt; On Monday you wrote: it ships soon" in html


def test_untrusted_html_is_never_rendered(north, agent_north):
    hostile = receive(
        email_from(
            subject="<img src=x onerror=alert(1)>",
            text="<script>alert('text')</script>",
            html="<b>bold</b><script>alert('html')</script>",
            location=north,
        )
    ).message.conversation

    html = text_of(client_for(agent_north).get(page_url(hostile)))

    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;text&#x27;)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "alert(&#x27;html&#x27;)" not in html
    assert "<img src=x" not in html


def test_the_customer_beside_the_thread_with_their_timeline_and_notes(
    conversation, north, south, agent_north, nora
):
    customer = conversation.customer
    phone_call = actions.start_conversation(
        agent_north, customer, channel=Channel.PHONE, subject="Called about a refund", text="Hi"
    )
    elsewhere = actions.start_conversation(
        agent_north, customer, channel=Channel.WALK_IN, subject="At the mall", location=south
    )
    stranger = receive(email_from("someone@example.com", subject="Other", location=north))
    customer_actions.add_note(agent_north, customer, "Prefers phone calls.")

    html = text_of(nora.get(page_url(conversation)))

    assert f'href="{reverse("desk:customer", args=[customer.pk])}"' in html
    assert "maria@example.com" in html and "North Street" in html
    timeline = html[html.index('id="customer-timeline"') : html.index("Customer notes")]
    assert "Called about a refund" in timeline and "Order 123" in timeline
    assert f'href="{page_url(phone_call)}"' in timeline
    assert 'aria-label="Phone"' in timeline
    assert "At the mall" not in timeline  # South Mall is not Nora's
    assert f'href="{page_url(elsewhere)}"' not in html
    assert f'href="{page_url(stranger.message.conversation)}"' not in timeline
    assert "Prefers phone calls." in html


def test_the_shortcut_keys_are_declared_on_the_right_controls(conversation, nora):
    html = text_of(nora.get(page_url(conversation)))

    assert re.search(r'<textarea id="reply-text"[^>]*data-key="r"', html)
    assert re.search(r'<textarea id="note-text"[^>]*data-key="n"', html)
    assert re.search(r'<button[^>]*id="solve"[^>]*data-key="e"', html)
    assert re.search(r'<details id="assign" data-key="a"', html)


def test_every_field_has_a_label(conversation, nora, north):
    CannedReply.objects.create(title="Thanks", body="Thank you!")
    html = text_of(nora.get(page_url(conversation)))
    main = html[html.index('<main id="main"') :]

    field_ids = re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', main
    )
    unnamed = re.findall(r"<(?:select|textarea)(?![^>]*\bid=)[^>]*>", main)

    assert len(field_ids) >= 10
    assert unnamed == []
    for field_id in field_ids:
        assert f'<label for="{field_id}"' in main or f'id="{field_id}"' in _wrapped_labels(main), (
            field_id
        )


def _wrapped_labels(html: str) -> str:
    return " ".join(re.findall(r"<label[^>]*>.*?</label>", html, re.S))


# Query counts -----------------------------------------------------------------


def fill(conversation, agent, size: int, start: int = 0) -> None:
    """`size` more messages with attachments, tags, notes, other conversations, canned replies."""
    customer = conversation.customer
    numbers = range(start, start + size)
    receive_many(
        [
            email_from(
                text=f"Message {n}",
                conversation=conversation,
                attachments=[
                    IncomingAttachment(f"photo-{n}.png", "image/png", b"png"),
                    IncomingAttachment(f"receipt-{n}.pdf", "application/pdf", b"pdf"),
                ],
            )
            for n in numbers
        ]
    )
    for n in numbers:
        actions.reply(agent, conversation, f"Answer {n}")
        actions.add_note(agent, conversation, f"Note {n}")
        actions.start_conversation(
            agent, customer, channel=Channel.PHONE, subject=f"Call {n}", text="Hello"
        )
        customer_actions.add_note(agent, customer, f"About Maria {n}")
        CannedReply.objects.create(title=f"Canned {n}", body="Hi {{ customer.first_name }}")
        Identity.objects.create(customer=customer, kind=IdentityKind.CHAT, value=f"visitor-{n}")
    actions.set_tags(agent, conversation, [f"tag-{n}" for n in range(start + size)])
    Team.objects.bulk_create([Team(name=f"Team {n}") for n in numbers])


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# 16 for the page itself, one for the customer's open callbacks, one for the top bar's bell,
# up to three for surveys (the conversation's surveys; the opt-out on a call or visit, where
# the page offers to send one; the agent's prediction once it is solved).
MAX_PAGE_QUERIES = 21


def test_the_page_costs_the_same_queries_for_a_short_or_long_thread(
    conversation, north, agent_north, nora, django_assert_max_num_queries
):
    fill(conversation, agent_north, 1)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        short = nora.get(page_url(conversation))
    assert short.status_code == 200
    short_count = count_queries(nora, page_url(conversation))

    fill(conversation, agent_north, 15, start=1)
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        long = nora.get(page_url(conversation))
    assert text_of(long).count('class="message direction-') > 45
    assert text_of(long).count("/attachments/") >= 33

    assert count_queries(nora, page_url(conversation)) == short_count


def test_a_conversation_without_a_mailbox_costs_no_more(
    north, mailbox, agent_north, nora, django_assert_max_num_queries
):
    customer = Customer.objects.create(name="Walk In", location=north)
    Identity.objects.create(customer=customer, kind=IdentityKind.EMAIL, value="walk@example.com")
    visit = actions.start_conversation(
        agent_north, customer, channel=Channel.WALK_IN, subject="Visit", text="Hi"
    )
    Mailbox.objects.create(address="shop@shop.test", location=north)

    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = nora.get(page_url(visit))

    assert 'id="reply-mailbox"' in text_of(response)


# Permissions ------------------------------------------------------------------

POSTS = {
    "reply": {"text": "Hello"},
    "note": {"text": "Hello"},
    "log-contact": {"channel": "phone", "direction": "inbound", "text": "Hello"},
    "assign": {"assignee": "me"},
    "update": {"status": "solved"},
    "tags": {"tags": "vip"},
    "presence": {"typing": "1"},
}


def test_an_agent_of_another_location_gets_404_on_the_page(conversation, agent_south):
    assert client_for(agent_south).get(page_url(conversation)).status_code == 404


@pytest.mark.parametrize("name", POSTS)
def test_an_agent_of_another_location_gets_404_on_every_action(conversation, agent_south, name):
    before = Activity.objects.count(), Message.objects.count()

    response = client_for(agent_south).post(action_url(name, conversation), POSTS[name])

    assert response.status_code == 404
    assert (Activity.objects.count(), Message.objects.count()) == before


@pytest.mark.parametrize("name", POSTS)
def test_actions_need_a_signed_in_agent_and_a_post(conversation, nora, name):
    assert Client().post(action_url(name, conversation), POSTS[name]).status_code == 302
    assert nora.get(action_url(name, conversation)).status_code == 405


def test_an_admin_sees_every_location(conversation, admin):
    assert client_for(admin).get(page_url(conversation)).status_code == 200


# Reply ------------------------------------------------------------------------


def test_a_reply_from_the_page_reaches_the_smtp_server(conversation, nora, smtp_server):
    page = text_of(nora.get(page_url(conversation)))
    assert "Shop Support &lt;support@shop.test&gt;" in page  # who it goes from

    response = nora.post(action_url("reply", conversation), {"text": "It ships today."})

    message = conversation.messages.get(direction=Direction.OUTBOUND)
    assert response.status_code == 302
    assert response.url == f"{page_url(conversation)}#message-{message.pk}"
    assert activity("conversation.replied", conversation).data["message_id"] == message.pk
    shown = text_of(nora.get(response.url))
    assert "Reply to maria@example.com queued for sending." in shown

    assert outbox.deliver(message.outbound.pk) == OutboxStatus.SENT
    envelope = smtp_server.wait_for(1)[0]
    sent = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert envelope.rcpt_tos == ["maria@example.com"]
    assert sent["From"] == "Shop Support <support@shop.test>"
    assert sent["In-Reply-To"] == "<q1@customer.example>"
    assert "It ships today." in sent.get_body(("plain",)).get_content()
    message.refresh_from_db()
    assert message.delivery == Delivery.SENT


@pytest.fixture
def walk_in(north, agent_north):
    """Maria came into the North Street shop; the conversation has no mailbox."""
    customer = Customer.objects.create(name="Maria Lopez", location=north)
    Identity.objects.create(customer=customer, kind=IdentityKind.EMAIL, value="maria@example.com")
    return actions.start_conversation(
        agent_north, customer, channel=Channel.WALK_IN, subject="Broken kettle", text="It leaks"
    )


def test_without_a_mailbox_the_agent_picks_one_of_the_location(
    walk_in, north, south, agent_north, nora, smtp_server
):
    shop = Mailbox.objects.create(address="shop@north.test", name="North Shop", location=north)
    shared = Mailbox.objects.create(address="help@shop.test", name="Help")
    Mailbox.objects.create(address="laden@south.test", location=south)

    page = text_of(nora.get(page_url(walk_in)))
    offered = re.search(r'<select id="reply-mailbox".*?</select>', page, re.S).group(0)
    assert "North Shop &lt;shop@north.test&gt;" in offered and "help@shop.test" in offered
    assert "laden@south.test" not in offered

    response = nora.post(
        action_url("reply", walk_in), {"text": "We will replace it.", "mailbox": shop.pk}
    )

    assert response.status_code == 302
    walk_in.refresh_from_db()
    assert walk_in.mailbox == shop  # later replies come from the same address
    assert activity("conversation.replied", walk_in).data["mailbox_id"] == shop.pk
    message = walk_in.messages.get(direction=Direction.OUTBOUND)
    assert outbox.deliver(message.outbound.pk) == OutboxStatus.SENT
    sent = email.message_from_bytes(
        smtp_server.wait_for(1)[0].original_content, policy=policy.default
    )
    assert sent["From"] == "North Shop <shop@north.test>"
    assert shared.pk  # offered, not chosen
    assert 'id="reply-mailbox"' not in text_of(nora.get(page_url(walk_in)))


def test_a_mailbox_of_another_location_is_refused_and_the_text_kept(walk_in, south, nora):
    Mailbox.objects.create(address="shop@north.test", location=walk_in.location)
    southern = Mailbox.objects.create(address="laden@south.test", location=south)

    response = nora.post(
        action_url("reply", walk_in),
        {"text": "Dear Maria,\nwe will replace it.", "mailbox": southern.pk},
    )

    assert response.status_code == 400
    html = text_of(response)
    assert "laden@south.test does not serve this conversation&#x27;s location" in html
    assert re.search(r'<select id="reply-mailbox"[^>]*aria-invalid="true"', html)
    assert ">Dear Maria,\nwe will replace it.</textarea>" in html
    assert not walk_in.messages.filter(direction=Direction.OUTBOUND).exists()
    assert not OutboundEmail.objects.exists()


def test_an_empty_reply_shows_the_error_and_keeps_the_other_fields(conversation, nora):
    response = nora.post(action_url("reply", conversation), {"text": "  \n "})

    assert response.status_code == 400
    html = text_of(response)
    assert 'id="reply-error" role="alert"><p>a reply needs text</p>' in html
    assert re.search(
        r'<textarea id="reply-text"[^>]*aria-invalid="true"[^>]*>  \n </textarea>', html
    )
    assert not conversation.messages.filter(direction=Direction.OUTBOUND).exists()
    assert not Activity.objects.filter(verb="conversation.replied").exists()


# Notes and logged contacts -----------------------------------------------------


def test_an_internal_note_from_the_page(conversation, agent_north, nora):
    response = nora.post(action_url("note", conversation), {"text": "Courier says Friday."})

    note = conversation.messages.get(direction=Direction.NOTE)
    assert response.status_code == 302
    assert (note.author, note.text) == (agent_north, "Courier says Friday.")
    assert activity("conversation.noted", conversation).actor == agent_north
    assert not OutboundEmail.objects.exists()


def test_an_empty_note_is_refused_where_it_was_typed(conversation, nora):
    response = nora.post(action_url("note", conversation), {"text": ""})

    assert response.status_code == 400
    assert 'id="note-error" role="alert"><p>a note needs text<' in text_of(response)


def test_a_call_from_the_customer_logged_from_the_page(conversation, agent_north, nora):
    actions.set_status(agent_north, conversation, Status.PENDING)

    response = nora.post(
        action_url("log-contact", conversation),
        {"channel": "phone", "direction": "inbound", "text": "Asked again"},
    )

    assert response.status_code == 302
    call = conversation.messages.get(channel=Channel.PHONE)
    conversation.refresh_from_db()
    assert call.direction == Direction.INBOUND and call.author == agent_north
    assert conversation.status == Status.OPEN  # they came back to it
    assert conversation.waiting_since is None  # and we talked with them: nothing owed
    assert activity("conversation.contact_logged", conversation).data["direction"] == "inbound"
    assert "Phone call logged." in text_of(nora.get(response.url))


def test_our_visit_logged_from_the_page_is_a_response(conversation, nora):
    response = nora.post(
        action_url("log-contact", conversation),
        {"channel": "walk_in", "direction": "outbound", "text": "Handed over a new one"},
    )

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.waiting_since is None
    assert conversation.first_response_at is not None
    assert activity("conversation.contact_logged", conversation).data["channel"] == "walk_in"


def test_a_call_on_a_closed_conversation_lands_on_its_follow_up(conversation, agent_north, nora):
    actions.set_status(agent_north, conversation, Status.CLOSED)

    response = nora.post(
        action_url("log-contact", conversation),
        {"channel": "phone", "direction": "inbound", "text": "One more thing"},
    )

    follow_up = Conversation.objects.exclude(pk=conversation.pk).get()
    assert response.url.startswith(page_url(follow_up))
    assert f"#{conversation.pk} was closed" in text_of(nora.get(response.url))


def test_a_log_without_text_keeps_the_choices(conversation, nora):
    response = nora.post(
        action_url("log-contact", conversation),
        {"channel": "walk_in", "direction": "outbound", "text": ""},
    )

    assert response.status_code == 400
    html = text_of(response)
    assert '<details class="card composer" id="log-contact" open>' in html
    assert 'value="outbound" id="log-outbound" checked' in html
    assert '<option value="walk_in" selected>' in html
    assert "say what was said" in html


# Assign, status, tags ---------------------------------------------------------


def test_assign_to_me(conversation, agent_north, nora):
    response = nora.post(action_url("assign", conversation), {"assignee": "me"})

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee == agent_north
    assert activity("conversation.assigned", conversation).data["assignee"] == agent_north.pk


def test_the_agent_list_holds_the_locations_agents_and_admins(
    conversation, agent_north, agent_south, admin, nora
):
    html = text_of(nora.get(page_url(conversation)))
    agents = re.search(r'<select id="assign-agent".*?</select>', html, re.S).group(0)

    assert f'value="{agent_north.pk}"' in agents and f'value="{admin.pk}"' in agents
    assert f'value="{agent_south.pk}"' not in agents


def test_assign_to_an_agent_and_a_team(conversation, admin, nora):
    team = Team.objects.create(name="Returns", location=conversation.location)

    response = nora.post(
        action_url("assign", conversation), {"assignee": admin.pk, "team": team.pk}
    )

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.team) == (admin, team)
    logged = activity("conversation.assigned", conversation).data
    assert (logged["assignee"], logged["team"]) == (admin.pk, team.pk)
    assert "Assigned to Ada in team Returns." in text_of(nora.get(response.url))


def test_the_team_list_holds_the_locations_teams_and_shared_ones(conversation, south, nora):
    here = Team.objects.create(name="Returns", location=conversation.location)
    shared = Team.objects.create(name="Care")
    elsewhere = Team.objects.create(name="Südkasse", location=south)

    html = text_of(nora.get(page_url(conversation)))

    teams = re.search(r'<select id="assign-team".*?</select>', html, re.S).group(0)
    assert f'value="{here.pk}"' in teams and f'value="{shared.pk}"' in teams
    assert f'value="{elsewhere.pk}"' not in teams and "Südkasse" not in html


def test_assigning_a_team_of_another_location_is_refused(conversation, south, nora):
    elsewhere = Team.objects.create(name="Südkasse", location=south)

    response = nora.post(action_url("assign", conversation), {"team": elsewhere.pk})

    assert response.status_code == 400
    assert 'id="assign-error"' in text_of(response)
    conversation.refresh_from_db()
    assert conversation.team is None


def test_assigning_an_agent_of_another_location_is_refused(conversation, agent_south, nora):
    response = nora.post(action_url("assign", conversation), {"assignee": agent_south.pk})

    assert response.status_code == 400
    html = text_of(response)
    assert "does not serve this conversation&#x27;s location" in html
    assert '<details id="assign" data-key="a" open>' in html
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_solve_and_change_priority(conversation, agent_north, nora):
    response = nora.post(action_url("update", conversation), {"status": "solved"})

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED and conversation.solved_at is not None
    assert activity("conversation.status_changed", conversation).data["after"] == "solved"
    assert 'id="solve"' not in text_of(nora.get(page_url(conversation)))

    nora.post(action_url("update", conversation), {"status": "solved", "priority": "urgent"})
    conversation.refresh_from_db()
    assert conversation.priority == Priority.URGENT
    latest = Activity.objects.filter(verb__startswith="conversation.").order_by("-id").first()
    assert (latest.verb, latest.data["after"]) == ("conversation.priority_changed", "urgent")


def test_an_unknown_status_is_shown_beside_the_form(conversation, nora):
    response = nora.post(action_url("update", conversation), {"status": "done"})

    assert response.status_code == 400
    assert 'id="update-error" role="alert"><p>status must be one of' in text_of(response)


def test_tags_from_a_comma_separated_list(conversation, agent_north, nora):
    response = nora.post(action_url("tags", conversation), {"tags": "VIP, refund ,, refund"})

    assert response.status_code == 302
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["refund", "vip"]
    assert activity("conversation.tagged", conversation).data["after"] == ["refund", "vip"]
    assert 'name="tags" value="refund, vip"' in text_of(nora.get(page_url(conversation)))


def test_the_tag_form_refuses_thousands_of_tags_as_the_api_does(conversation, nora):
    tags = ", ".join(f"tag-{n}" for n in range(3000))
    response = nora.post(action_url("tags", conversation), {"tags": tags})

    assert response.status_code == 400
    assert 'id="tags-error" role="alert"><p>at most 50 tags' in text_of(response)
    assert not conversation.tags.exists()


# Canned replies ---------------------------------------------------------------


def test_canned_replies_are_offered_rendered_for_this_customer(conversation, north, south, nora):
    CannedReply.objects.create(
        title="Shipping",
        body="Hi {{ customer.first_name }}, #{{conversation.id}} ships. {{customer.__class__}}",
        location=north,
    )
    CannedReply.objects.create(title="Versand", body="Hallo", location=south)

    html = text_of(nora.get(page_url(conversation)))

    assert ">Shipping</option>" in html and "Versand" not in html
    data = re.search(r'<script id="canned-texts" type="application/json">(.*?)</script>', html)
    assert f"Hi Maria, #{conversation.pk} ships. {{{{customer.__class__}}}}" in data.group(1)


def test_a_canned_reply_is_inserted_without_javascript_too(conversation, nora):
    canned = CannedReply.objects.create(title="Thanks", body="Thank you, {{customer.name}}!")

    html = text_of(nora.get(page_url(conversation), {"canned": canned.pk}))

    assert re.search(r'<textarea id="reply-text"[^>]*>Thank you, Maria Lopez!</textarea>', html)


def test_pending_until_is_read_on_the_locations_clock_and_a_past_one_refused(conversation, nora):
    london = timezone.localtime(timezone.now(), ZoneInfo("Europe/London"))
    past = (london - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    refused = nora.post(
        action_url("update", conversation), {"status": "pending", "pending_until": past}
    )
    assert refused.status_code == 400
    assert 'id="update-error" role="alert"><p>that time has passed' in text_of(refused)
    assert 'name="pending_until" min="' in text_of(refused) and past in text_of(refused)

    later = (london + timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    response = nora.post(
        action_url("update", conversation),
        {"status": "pending", "priority": "normal", "pending_until": f"{later:%Y-%m-%dT%H:%M}"},
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "pending" and conversation.pending_until == later
    page = text_of(nora.get(page_url(conversation)))
    assert f"Reopens {later.day} {later:%b %Y}, 09:30" in page  # nora's clock is London's
    # The same minute posted again (the form shows minutes) changes nothing.
    nora.post(
        action_url("update", conversation),
        {"status": "pending", "priority": "normal", "pending_until": f"{later:%Y-%m-%dT%H:%M}"},
    )
    assert Activity.objects.filter(verb="conversation.status_changed").count() == 1
