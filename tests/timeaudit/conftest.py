"""Time entries of agents at North Street and South Mall, and helpers to run the bus."""

import pytest
from django.utils import timezone

from helpline.core.events import deliver_due
from helpline.core.models import EventDelivery, EventDeliveryStatus


def deliver_again() -> int:
    """Run every delivered event of the time audit's handlers once more (at least once means
    it may come twice), then deliver; how many were delivered again."""
    again = EventDelivery.objects.filter(
        handler__startswith="helpline.timeaudit.", status=EventDeliveryStatus.DONE
    ).update(status=EventDeliveryStatus.PENDING, next_attempt_at=timezone.now())
    deliver_due()
    return again


@pytest.fixture
def customer(north):
    from tests.desk.conftest import write_in

    return write_in(north, "maria@example.com", "Kettle").customer
