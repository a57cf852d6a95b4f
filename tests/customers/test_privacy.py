"""A customer's data on request: the export holds everything, erasure leaves nothing personal
anywhere in the database and every figure as it was; admins only; both logged.

Greta's data is spread over every app the way the desk makes it: a mail with an attachment
through the email channel (raw mail kept), a reply and an internal note, a phone number, a
callback and its try, an appointment, a survey answered with a comment, a recovery case, a
webhook delivery, an SLA notification, a quarantined mail from her address, custom field,
note, and a second customer merged into her. MARKER is in her subject, her text, the
attachment's bytes and the comments, so that a scan finds any copy of what she wrote.
"""

import io
import json
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test import Client

from helpline.appointments.actions import book
from helpline.appointments.models import Appointment
from helpline.callbacks.actions import create_callback, record_attempt
from helpline.callbacks.models import Callback, CallbackAttempt
from helpline.channels.email.ingest import ingest
from helpline.channels.email.models import RawEmail, RawStatus
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Attachment, Conversation, Message, Wait
from helpline.core.events import deliver_due
from helpline.core.models import Activity, Role, User
from helpline.core.tokens import issue_token
from helpline.customers import actions as customer_actions
from helpline.customers import privacy
from helpline.customers.models import Customer, Identity
from helpline.feedback import actions as feedback_actions
from helpline.feedback.models import Answer, Survey
from helpline.insights.models import Text
from helpline.recovery import actions as recovery_actions
from helpline.recovery.models import RecoveryCase, RecoveryStep
from helpline.sla.models import Notification, SlaEvent
from helpline.webhooks.actions import create_webhook
from helpline.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

NAME = "Greta Privatova"
EMAIL = "greta.privatova@example.org"
OTHER_EMAIL = "g.privatova@example.net"  # the merged customer's
PHONE = "+447700900321"
MARKER = "Kettlewhistle"
ADDED_BY_ERASURE = ("customer.erased", "callback.closed", "api_token.issued")
ATTACHMENT = b"%PDF-1.4 receipt of " + MARKER.encode() + b" order 4711\n"


def _mail(sender: str, subject: str, body: str, message_id: str, attachment: bytes = b""):
    message = EmailMessage()
    message["From"] = f"{NAME} <{sender}>"
    message["To"] = "support@shop.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 02 Nov 2026 09:30:00 +0000"
    message.set_content(body)
    if attachment:
        message.add_attachment(
            attachment, maintype="application", subtype="pdf", filename="receipt.pdf"
        )
    return bytes(message)


@pytest.fixture
def greta(north, admin, agent_north, mailbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    create_webhook(admin, name="CRM", url="https://crm.test/hook", events=["survey.answered"])
    result = ingest(
        _mail(
            EMAIL,
            f"My {MARKER} leaks",
            f"Hello, my {MARKER} leaks. Regards, {NAME}, {PHONE}",
            "<greta-1@example.org>",
            ATTACHMENT,
        ),
        source="pipe",
        mailbox=mailbox,
    )
    conversation = result.message.conversation
    customer = conversation.customer
    customer_actions.add_identity(admin, customer, "phone", PHONE)
    customer_actions.add_note(admin, customer, f"{NAME} prefers mornings")
    field = customer_actions.define_field(admin, key="tier", label="Tier", kind="text")
    customer_actions.set_custom_values(admin, customer, {field.key: f"{MARKER} gold"})
    conversation_actions.reply(agent_north, conversation, f"Dear {NAME}, a new one is on its way")
    conversation_actions.add_note(agent_north, conversation, f"{NAME} called about the {MARKER}")
    callback = create_callback(admin, customer, PHONE, "requested", conversation=conversation)
    record_attempt(agent_north, callback, "no_answer", note=f"{NAME}'s voicemail was full")
    book(
        admin,
        customer,
        "callback",
        datetime(2031, 3, 4, 10, tzinfo=UTC),
        location=north,
        phone_number=PHONE,
        note=f"Ring {NAME} about the {MARKER}",
    )
    survey = feedback_actions.send_now(admin, conversation, "csat")
    feedback_actions.answer(survey, 2)
    feedback_actions.comment(survey, f"The {MARKER} still leaks, {NAME}")
    Notification.objects.create(
        user=agent_north,
        conversation=conversation,
        text=f"#{conversation.pk} My {MARKER} leaks: the response target was breached",
    )
    SlaEvent.objects.create(
        conversation=conversation, kind="breach", clock="response", due_at=conversation.created_at
    )
    # A mail from her that could not be filed: only the address ties it to her.
    RawEmail.objects.create(
        sha256="0" * 64,
        data=_mail(EMAIL, "broken", f"{MARKER} again", "<greta-2@example.org>"),
        size=100,
        source="pipe",
        status=RawStatus.QUARANTINED,
        reason="could not be parsed",
    )
    other = ingest(
        _mail(OTHER_EMAIL, "Second address", f"{MARKER} from work", "<greta-3@example.net>"),
        source="pipe",
        mailbox=mailbox,
    ).message.conversation.customer
    customer_actions.update_customer(admin, other, name="G. Privatova")
    customer_actions.merge(admin, other, customer)
    deliver_due()  # after-commit handlers: insights read her texts, recovery opens a case
    case = RecoveryCase.objects.get(customer=customer)
    recovery_actions.record_step(admin, case, "acknowledge", note=f"Apologised to {NAME}")
    deliver_due()
    customer.refresh_from_db()
    return customer


def test_the_world_holds_her_data_everywhere(greta):
    """The fixture is what the other tests rely on: every app holds some of her data."""
    attachments = Attachment.objects.filter(message__conversation__customer=greta)
    assert {a.filename for a in attachments} == {"receipt.pdf", "invite.ics"}
    assert RawEmail.objects.count() == 3
    assert Callback.objects.filter(customer=greta).exists()
    assert Appointment.objects.filter(customer=greta).exists()
    assert Answer.objects.get(customer=greta).comment.startswith("The ")
    assert Text.objects.filter(customer=greta).exists()
    assert RecoveryStep.objects.filter(case__customer=greta).exists()
    assert WebhookDelivery.objects.exists()
    assert _personal_cells(), "the scan finds nothing before erasure: it would prove nothing"


# Export ----------------------------------------------------------------------------------


def _export(user, customer) -> zipfile.ZipFile:
    client = Client(headers={"Authorization": f"Bearer {issue_token(user)}"})
    response = client.get(f"/api/customers/{customer.pk}/export")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    assert f"customer-{customer.pk}.zip" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_export_holds_every_app_s_data_and_the_files(greta, admin):
    archive = _export(admin, greta)
    document = json.loads(archive.read("customer.json"))

    assert document["format"] == privacy.FORMAT and document["exported_by"] == "ada"
    own = document["customer"]
    assert own["name"] == NAME
    assert [c["name"] for c in own["merged_customers"]] == ["G. Privatova"]
    assert {i["value"] for i in own["identities"]} == {EMAIL, OTHER_EMAIL, PHONE}
    assert [n["body"] for n in own["notes"]] == [f"{NAME} prefers mornings"]
    assert own["custom_fields"] == {"tier": f"{MARKER} gold"}
    assert "customer.merged" in {row["verb"] for row in own["history"]}

    conversations = document["conversations"]
    assert len(conversations) == 3  # hers, the appointment's, and the merged customer's
    mine = next(c for c in conversations if MARKER in c["subject"] and "leaks" in c["subject"])
    texts = [m["text"] for m in mine["messages"]]
    assert any(f"my {MARKER} leaks" in text for text in texts)
    assert any(text.startswith(f"Dear {NAME}") for text in texts)
    assert any(m["direction"] == "note" for m in mine["messages"])
    assert "conversation.created" in {e["verb"] for e in mine["events"]}
    (attachment,) = [a for m in mine["messages"] for a in m["attachments"] if not a["inline"]]
    assert attachment["filename"] == "receipt.pdf"
    assert archive.read(attachment["path"]) == ATTACHMENT

    raw_paths = [raw["path"] for raw in document["raw_emails"]]
    assert len(raw_paths) == 3  # both filed mails and the quarantined one
    assert all(
        EMAIL.encode() in archive.read(p) or OTHER_EMAIL.encode() in archive.read(p)
        for p in raw_paths
    )

    (callback,) = document["callbacks"]
    assert callback["phone_number"] == PHONE
    assert callback["tries"][0]["note"] == f"{NAME}'s voicemail was full"
    (appointment,) = document["appointments"]
    assert appointment["note"] == f"Ring {NAME} about the {MARKER}"
    (survey,) = document["surveys"]["surveys"]
    assert survey["answer"]["score"] == 2 and MARKER in survey["answer"]["comment"]
    assert any(t["source"] == "message" for t in document["sentiment_and_themes"])
    (case,) = document["recovery_cases"]
    assert case["steps"][0]["note"] == f"Apologised to {NAME}"
    assert case["triggers"][0]["kind"] == "low_csat"

    logged = Activity.objects.get(verb=privacy.Verb.EXPORTED, subject_id=greta.pk)
    # The receipt, the appointment's invitation (an .ics on her timeline) and three raw mails.
    assert logged.actor == admin and logged.data["files"] == 5
    assert logged.data["sections"]["conversations"] == 3


# Erasure ---------------------------------------------------------------------------------


def _figures() -> dict:
    """What reports are made of: counts, times, channels, locations, scores, SLA figures."""
    conversations = list(
        Conversation.objects.order_by("pk").values_list(
            "pk",
            "channel",
            "status",
            "priority",
            "location_id",
            "customer_id",
            "created_at",
            "first_response_at",
            "solved_at",
            "response_due_at",
            "resolution_due_at",
            "last_message_at",
        )
    )
    messages = list(
        Message.objects.order_by("pk").values_list(
            "pk", "conversation_id", "channel", "direction", "kind", "created_at", "delivery"
        )
    )
    waits = list(
        Wait.objects.order_by("pk").values_list("pk", "started_at", "answered_at", "wall_seconds")
    )
    answers = list(Answer.objects.order_by("pk").values_list("pk", "kind", "score", "agent_id"))
    sentiment = list(Text.objects.order_by("pk").values_list("pk", "compound", "theme_id"))
    cases = list(
        RecoveryCase.objects.order_by("pk").values_list("pk", "status", "opened_at", "outcome")
    )
    return {
        "conversations": conversations,
        "messages": messages,
        "waits": waits,
        "answers": answers,
        "sentiment": sentiment,
        "cases": cases,
        "surveys": list(Survey.objects.order_by("pk").values_list("pk", "kind", "sent_at")),
        "sla_events": SlaEvent.objects.count(),
        "callbacks": list(Callback.objects.order_by("pk").values_list("pk", "reason", "due_at")),
        "tries": list(CallbackAttempt.objects.order_by("pk").values_list("pk", "outcome", "at")),
        "appointments": list(
            Appointment.objects.order_by("pk").values_list("pk", "kind", "starts_at", "location")
        ),
        # What the erasure itself adds is logged on top (its own entry, the callbacks it
        # closed, the API token the test signs in with); everything before stays counted.
        "activity": list(
            Activity.objects.exclude(verb__in=ADDED_BY_ERASURE)
            .values("verb")
            .annotate(n=Count("pk"))
            .order_by("verb")
        ),
        "scores": Answer.objects.aggregate(total=Sum("score")),
    }


def _needles() -> list[bytes]:
    texts = [NAME, EMAIL, OTHER_EMAIL, PHONE, PHONE[1:], MARKER, "Privatova", "greta.privatova"]
    return [text.lower().encode() for text in texts]


def _personal_cells() -> list[str]:
    """Every cell of every table, text, JSON or bytes, that holds one of her strings."""
    found = []
    needles = _needles()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor, include_views=False)
        for table in tables:
            columns = [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, memoryview | bytes | bytearray):
                        data = bytes(value).lower()
                    elif isinstance(value, dict | list):
                        data = json.dumps(value, ensure_ascii=False).lower().encode()
                    else:
                        data = str(value).lower().encode()
                    if any(needle in data for needle in needles):
                        found.append(f"{table}.{column}: {data[:120]!r}")
    return found


def _erase(user, customer, confirm):
    client = Client(headers={"Authorization": f"Bearer {issue_token(user)}"})
    return client.post(
        f"/api/customers/{customer.pk}/erase",
        json.dumps({"confirm": confirm}),
        content_type="application/json",
    )


def test_erasure_leaves_nothing_personal_and_every_figure(
    greta, admin, django_capture_on_commit_callbacks
):
    before = _figures()
    files = list(Attachment.objects.values_list("file", flat=True))
    storage = Attachment._meta.get_field("file").storage
    assert all(storage.exists(name) for name in files)

    with django_capture_on_commit_callbacks(execute=True):
        response = _erase(admin, greta, NAME.upper())  # as typed: case does not matter
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["name"] == f"Erased customer #{greta.pk}"
    assert answer["erased"]["messages"] >= 4 and answer["erased"]["raw_emails"] == 3

    assert _personal_cells() == []
    assert _figures() == before
    assert not any(storage.exists(name) for name in files)
    assert Identity.objects.filter(customer=greta).count() == 0
    merged = Customer.objects.get(merged_into=greta)
    assert merged.name == f"Erased customer #{merged.pk}"

    logged = Activity.objects.get(verb=privacy.Verb.ERASED, subject_id=greta.pk)
    assert logged.actor == admin
    closed = Activity.objects.get(verb="callback.closed")
    assert closed.actor == admin and closed.data["reason"] == "the customer's data was erased"
    assert logged.data["erased"]["attachments"] == 2
    assert logged.data["customer_ids"] == [greta.pk, merged.pk]

    # Search finds her no more, by name, address or what she wrote.
    from helpline.search.search import search_conversations, search_customers

    assert search_customers(admin, NAME) == []
    assert search_customers(admin, EMAIL) == []
    assert search_conversations(admin, MARKER) == []
    # The export afterwards holds the anonymous customer only.
    document = json.loads(_export(admin, greta).read("customer.json"))
    assert NAME not in json.dumps(document) and MARKER not in json.dumps(document)


def test_erasure_wants_the_name_typed_and_happens_once(greta, admin):
    response = _erase(admin, greta, "Greta")
    assert response.status_code == 400
    (error,) = response.json()["detail"]
    assert error["field"] == "confirm" and NAME in error["message"]
    greta.refresh_from_db()
    assert greta.name == NAME
    assert not Activity.objects.filter(verb=privacy.Verb.ERASED).exists()

    assert _erase(admin, greta, NAME).status_code == 200
    greta.refresh_from_db()
    again = _erase(admin, greta, greta.name)
    assert again.status_code == 400 and "erased already" in again.json()["detail"][0]["message"]


def test_a_merged_customer_is_erased_through_the_one_it_joined(greta, admin):
    merged = Customer.objects.get(merged_into=greta)
    response = _erase(admin, merged, "G. Privatova")
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "customer"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT])
def test_only_admins_export_or_erase(greta, north, role):
    person = User.objects.create_user("pat", "pat@shop.test", "pw", role=role)
    person.locations.add(north)  # serves her home: sees her in full, and still may not
    client = Client(headers={"Authorization": f"Bearer {issue_token(person)}"})
    assert client.get(f"/api/customers/{greta.pk}/export").status_code == 403
    assert _erase(person, greta, NAME).status_code == 403
    # A customer who does not exist answers the same: nothing is revealed.
    assert client.get("/api/customers/999999/export").status_code == 403
    with pytest.raises(privacy.NotAllowed):
        privacy.erase_customer(person, greta, NAME)
    greta.refresh_from_db()
    assert greta.name == NAME
    assert not Activity.objects.filter(
        verb__in=[privacy.Verb.ERASED, privacy.Verb.EXPORTED]
    ).exists()


def test_a_survey_link_mailed_before_takes_nothing_after(greta, admin):
    conversation = greta.conversations.order_by("pk").first()
    pending = Survey.objects.create(
        cause="privacy:pending",
        kind="nps",
        status="sent",
        customer=greta,
        conversation=conversation,
        location=conversation.location,
        recipient=EMAIL,
        sent_at=conversation.created_at,
    )
    assert _erase(admin, greta, NAME).status_code == 200
    pending.refresh_from_db()
    assert pending.status == "withdrawn" and pending.recipient == ""
    assert pending.sent_at == conversation.created_at  # still counted as sent
    with pytest.raises(feedback_actions.SurveyClosed):
        feedback_actions.answer(pending, 9)
