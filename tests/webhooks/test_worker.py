"""A real Celery worker sends a committed event's webhook; the receiver hears it once."""

import pytest
from django.db import transaction

from helpline.core.events import EventName, publish
from helpline.webhooks import actions
from helpline.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.channels.email.test_worker import broker, start_worker, stop, wait_until  # noqa: F401
from tests.conftest import subprocess_env
from tests.webhooks.test_delivery import ANSWER

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


def test_a_worker_sends_the_webhook_of_a_committed_event(broker, receiver, admin):  # noqa: F811
    webhook = actions.create_webhook(
        admin, name="CRM", url=receiver.url, events=["survey.answered"]
    )
    receiver.secret = webhook.secret
    worker = start_worker(subprocess_env(CELERY_BROKER_URL=broker))
    try:
        with transaction.atomic():
            publish(EventName.SURVEY_ANSWERED, **ANSWER)
        delivery = WebhookDelivery.objects.get()

        def sent():
            return WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT

        assert wait_until(sent, timeout=90), stop(worker)
    finally:
        stop(worker)
    [request] = receiver.heard
    assert request.signed and request.json["data"] == ANSWER
    assert request.headers["Helpline-Delivery"] == str(delivery.uuid)
