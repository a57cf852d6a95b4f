"""Failed event deliveries are listed in the admin, and an admin runs them again."""

import pytest
from django.utils import timezone

from helpline.core import events
from helpline.core.models import EventDelivery, EventDeliveryStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_delivery():
    return EventDelivery.objects.create(
        name="message.received",
        payload={"message_id": 1},
        handler="helpline.somewhere.gone_handler",
        status=EventDeliveryStatus.FAILED,
        attempts=8,
        last_error="ConnectionError: the webhook endpoint is down",
        next_attempt_at=timezone.now(),
    )


def test_failed_deliveries_are_listed_with_their_error(client, admin, failed_delivery):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)

    page = client.get("/admin/core/eventdelivery/?status__exact=failed")

    assert page.status_code == 200
    assert "the webhook endpoint is down" in page.content.decode()


def test_run_again_puts_a_failed_delivery_back_in_the_queue(client, admin, failed_delivery):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)

    client.post(
        "/admin/core/eventdelivery/",
        {"action": "run_again", "_selected_action": [failed_delivery.pk]},
    )

    failed_delivery.refresh_from_db()
    assert (failed_delivery.status, failed_delivery.attempts) == (EventDeliveryStatus.PENDING, 0)
    assert events.deliver_due() == 1  # and a handler that is gone says so
    failed_delivery.refresh_from_db()
    assert "no handler helpline.somewhere.gone_handler" in failed_delivery.last_error
