"""Webhooks leave in the event's transaction, signed, and reach a real receiver once."""

import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpline.conversations import actions as conversation_actions
from helpline.conversations.receive import receive
from helpline.core.events import EventName, publish
from helpline.webhooks import actions, outbox
from helpline.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.conftest import email_from
from tests.webhooks.receiver import signed_correctly

pytestmark = pytest.mark.django_db

ANSWER = {
    "survey_id": 7,
    "answer_id": 11,
    "kind": "csat",
    "score": 1,
    "comment": "Cold tea, long wait — never again",
    "purpose": "contact",
    "recovery_case_id": None,
    "customer_id": 3,
    "conversation_id": 5,
    "location_id": 1,
    "agent_id": 2,
    "team_id": None,
    "changed": False,
    "answered_at": "2026-12-04T10:00:00+00:00",
}


def hook(receiver, admin, events=("survey.answered",), **values):
    webhook = actions.create_webhook(
        admin, name="CRM", url=receiver.url, events=list(events), **values
    )
    receiver.secret = webhook.secret
    return webhook


def answered(**changes):
    with transaction.atomic():
        publish(EventName.SURVEY_ANSWERED, **{**ANSWER, **changes})


def test_a_signed_delivery_reaches_a_real_receiver(receiver, admin):
    webhook = hook(receiver, admin)
    other = actions.create_webhook(
        admin, name="Recovery only", url=receiver.url, events=["recovery.opened"]
    )

    answered()

    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook == webhook and delivery.status == DeliveryStatus.PENDING
    assert not other.deliveries.exists()
    assert outbox.deliver(delivery.pk) == DeliveryStatus.SENT

    [request] = receiver.heard
    assert request.signed
    assert request.path == "/hooks/helpline?source=test"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.headers["Helpline-Event"] == "survey.answered"
    assert request.headers["Helpline-Delivery"] == str(delivery.uuid)
    body = request.json
    assert body["event"] == "survey.answered"
    assert body["id"].startswith("evt_") and body["id"] == delivery.event_id
    assert body["data"] == ANSWER
    assert abs(timezone.now() - timezone.datetime.fromisoformat(body["created_at"])) < timedelta(
        minutes=1
    )
    # The independent check does refuse what it should: another secret, a changed body, an
    # old timestamp.
    signature = request.headers["Helpline-Signature"]
    stamp = int(signature.split(",")[0][2:])
    assert not signed_correctly(other.secret, request.body, signature, stamp)
    assert not signed_correctly(webhook.secret, request.body + b" ", signature, stamp)
    assert not signed_correctly(webhook.secret, request.body, signature, stamp + 301)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200 and attempt.response_body == "ok" and not attempt.error
    # Sent is sent: neither the task again nor the sweep posts it twice.
    assert outbox.deliver(delivery.pk) == "skipped"
    assert outbox.deliver_due() == 0
    assert len(receiver.heard) == 1


def test_a_receiver_that_fails_three_times_gets_the_event_on_the_fourth_try_once(receiver, admin):
    hook(receiver, admin)
    receiver.answers = [500, 502, (503, {}, b"busy"), 200]
    answered()
    delivery = WebhookDelivery.objects.get()

    waits = []
    status = outbox.deliver(delivery.pk)
    for _ in range(3):
        delivery.refresh_from_db()
        if status == DeliveryStatus.SENT:
            break
        assert status == DeliveryStatus.PENDING
        waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds()))
        assert outbox.deliver_due() == 0  # not due yet: it backs off
        # The test moves time on to the retry instead of waiting for it.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        assert outbox.deliver_due() == 1
        status = WebhookDelivery.objects.get(pk=delivery.pk).status

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 4
    assert waits == [30, 60, 120]  # HELPLINE_WEBHOOK_RETRY_SECONDS, doubling
    assert [request.answered for request in receiver.heard] == [500, 502, 503, 200]
    assert all(request.signed for request in receiver.heard)
    # The same event each time: one delivery id and one body to de-duplicate on.
    assert len({request.headers["Helpline-Delivery"] for request in receiver.heard}) == 1
    assert len({request.body for request in receiver.heard}) == 1
    assert outbox.deliver_due() == 0 and outbox.deliver(delivery.pk) == "skipped"
    assert len(receiver.heard) == 4
    log = list(delivery.attempt_log.order_by("at", "id").values_list("status_code", "error"))
    assert log == [
        (500, "HTTP 500 Internal Server Error"),
        (502, "HTTP 502 Bad Gateway"),
        (503, "HTTP 503 Service Unavailable"),
        (200, ""),
    ]


def test_the_last_failure_leaves_it_failed_until_sent_again(receiver, admin, settings):
    settings.HELPLINE_WEBHOOK_MAX_ATTEMPTS = 2
    hook(receiver, admin)
    receiver.answers = [500, 500, 200]
    answered()
    delivery = WebhookDelivery.objects.get()
    outbox.deliver(delivery.pk)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver(delivery.pk) == DeliveryStatus.FAILED
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(hours=2))
    assert outbox.deliver_due() == 0

    assert actions.send_again(admin, WebhookDelivery.objects.all()) == 1

    assert outbox.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert [request.answered for request in receiver.heard] == [500, 500, 200]
    assert delivery.attempt_log.count() == 3


def test_a_rolled_back_event_leaves_no_delivery(receiver, admin):
    hook(receiver, admin)

    with pytest.raises(RuntimeError), transaction.atomic():
        publish(EventName.SURVEY_ANSWERED, **ANSWER)
        assert WebhookDelivery.objects.count() == 1  # written with the event…
        raise RuntimeError("the answer could not be saved")

    assert not WebhookDelivery.objects.exists()  # …and gone with it
    assert outbox.deliver_due() == 0
    assert receiver.heard == []


def test_recovery_messages_and_solved_conversations_are_announced(receiver, admin):
    hook(
        receiver,
        admin,
        events=[
            "recovery.opened",
            "recovery.step",
            "recovery.closed",
            "message.received",
            "conversation.solved",
        ],
    )
    case = {
        "case_id": 4,
        "customer_id": 3,
        "conversation_id": 5,
        "location_id": 1,
        "owner_id": 2,
        "triggers": ["low_score"],
    }
    with transaction.atomic():
        publish(EventName.RECOVERY_OPENED, **case)
        publish(EventName.RECOVERY_STEP, **case, step="apologise", actor_id=2)
        publish(EventName.RECOVERY_CLOSED, **case, follow_up_kind="csat", root_cause="stock")
        publish(EventName.SURVEY_ANSWERED, **ANSWER)  # not chosen by this webhook
    conversation = receive(email_from(subject="Kettle", text="It leaks.")).message.conversation
    conversation_actions.set_status(admin, conversation, "pending")
    conversation_actions.solve(admin, conversation)

    for delivery in WebhookDelivery.objects.order_by("id"):
        outbox.deliver(delivery.pk)

    bodies = [request.json for request in receiver.heard]
    assert [body["event"] for body in bodies] == [
        "recovery.opened",
        "recovery.step",
        "recovery.closed",
        "message.received",
        "conversation.solved",
    ]
    assert bodies[1]["data"]["step"] == "apologise"
    assert bodies[2]["data"]["root_cause"] == "stock"
    assert bodies[3]["data"]["conversation_id"] == conversation.pk
    assert bodies[4]["data"]["conversation_id"] == conversation.pk
    assert bodies[4]["data"]["after"] == "solved"
    assert all(request.signed for request in receiver.heard)
    assert len({body["id"] for body in bodies}) == 5


def test_one_event_for_two_endpoints_shares_its_id_not_its_delivery_id(receiver, admin):
    first = hook(receiver, admin)
    second = actions.create_webhook(admin, name="BI", url=receiver.url, events=["survey.answered"])
    answered()
    one, two = WebhookDelivery.objects.order_by("webhook_id")
    assert (one.webhook, two.webhook) == (first, second)
    assert one.event_id == two.event_id and one.uuid != two.uuid
    assert json.loads(one.body) == json.loads(two.body)


def test_a_disabled_webhook_is_sent_nothing(receiver, admin):
    webhook = hook(receiver, admin)
    answered()
    actions.update_webhook(admin, webhook, active=False)
    answered()

    assert WebhookDelivery.objects.count() == 1  # nothing queued while disabled
    assert outbox.deliver(WebhookDelivery.objects.get().pk) == DeliveryStatus.FAILED
    assert "disabled" in WebhookDelivery.objects.get().last_error
    assert receiver.heard == []


def test_a_redirect_is_not_followed(receiver, admin):
    hook(receiver, admin)
    receiver.answers = [(307, {"Location": "http://127.0.0.1:9/elsewhere"}, b"")]
    answered()
    delivery = WebhookDelivery.objects.get()

    assert outbox.deliver(delivery.pk) == DeliveryStatus.PENDING

    assert len(receiver.heard) == 1
    assert "not followed" in WebhookAttempt.objects.get().error


def test_a_long_answer_is_cut_in_the_log(receiver, admin):
    hook(receiver, admin)
    receiver.answers = [(200, {}, b"x" * 50_000)]
    answered()

    assert outbox.deliver(WebhookDelivery.objects.get().pk) == DeliveryStatus.SENT

    text = WebhookAttempt.objects.get().response_body
    assert text.startswith("x" * outbox.RESPONSE_LIMIT) and len(text) < outbox.RESPONSE_LIMIT + 20


def test_a_receiver_that_does_not_answer_in_time_is_retried(receiver, admin, settings):
    settings.HELPLINE_WEBHOOK_TIMEOUT_SECONDS = 1
    hook(receiver, admin)
    receiver.answers = [("sleep", 3)]
    answered()

    assert outbox.deliver(WebhookDelivery.objects.get().pk) == DeliveryStatus.PENDING

    assert "timed out" in WebhookAttempt.objects.get().error


def test_nobody_listening_is_a_failure_worth_a_retry(admin):
    from tests.conftest import free_port

    webhook = actions.create_webhook(
        admin, name="Gone", url=f"http://127.0.0.1:{free_port()}/", events=["survey.answered"]
    )
    answered()

    assert outbox.deliver(webhook.deliveries.get().pk) == DeliveryStatus.PENDING
    assert "ConnectionRefusedError" in WebhookAttempt.objects.get().error


def test_history_taken_in_is_not_announced(receiver, admin):
    hook(receiver, admin, events=["message.received"])
    old = timezone.now() - timedelta(days=30)

    receive(email_from(subject="Old", text="From last month", received_at=old))
    assert not WebhookDelivery.objects.exists()

    receive(email_from("otto@example.com", subject="New", text="Just now"))
    assert WebhookDelivery.objects.count() == 1


def test_an_event_costs_one_query_without_webhooks_and_one_insert_with(receiver, admin):
    """Other apps' consumers of the event cost what they cost; the webhooks' share is one
    query for the active webhooks, and one INSERT of every row when some want it."""
    with transaction.atomic(), CaptureQueriesContext(connection) as without:
        publish(EventName.SURVEY_ANSWERED, **ANSWER)
    asked = [q for q in without.captured_queries if '"webhooks_webhook"' in q["sql"]]
    assert len(asked) == 1
    hook(receiver, admin)
    actions.create_webhook(admin, name="BI", url=receiver.url, events=["survey.answered"])
    with transaction.atomic(), CaptureQueriesContext(connection) as with_two:
        publish(EventName.SURVEY_ANSWERED, **ANSWER)
    assert len(with_two) == len(without) + 1
    assert WebhookDelivery.objects.count() == 2


def test_the_beat_sweep_is_scheduled_sends_what_is_due_once_and_forgets_old_ones(
    receiver, admin, settings
):
    from helpline.webhooks import tasks

    schedule = settings.CELERY_BEAT_SCHEDULE["send-due-webhooks"]
    assert schedule["task"] == tasks.send_due_webhooks.name
    hook(receiver, admin)
    answered()  # its task was lost (no worker): the sweep finds it
    old = WebhookDelivery.objects.create(
        webhook=WebhookDelivery.objects.get().webhook,
        event="survey.answered",
        event_id="evt_old",
        body="{}",
        status=DeliveryStatus.SENT,
        next_attempt_at=timezone.now(),
        sent_at=timezone.now() - timedelta(days=settings.HELPLINE_WEBHOOK_KEEP_DAYS + 1),
    )

    assert tasks.send_due_webhooks() == {"sent": 1, "forgotten": 1}
    assert tasks.send_due_webhooks() == {"sent": 0, "forgotten": 0}

    assert len(receiver.heard) == 1
    assert not WebhookDelivery.objects.filter(pk=old.pk).exists()
