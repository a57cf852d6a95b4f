"""A real Celery worker on Redis runs the reopen-pending sweep as beat sends it: a conversation
whose pending-until moment came reopens, and the SLA clock runs again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.conversations import actions
from helpline.conversations.models import Conversation, Status
from helpline.conversations.tasks import reopen_pending_due
from helpline.sla.models import SlaPolicy
from tests.channels.email.test_worker import broker, start_worker, stop, wait_until  # noqa: F401
from tests.conftest import subprocess_env
from tests.sla.conftest import received

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


def test_a_worker_reopens_a_conversation_whose_moment_came(broker, north, admin):  # noqa: F811
    SlaPolicy.objects.create(name="Everything", resolution_minutes=240)
    conversation = received(north, timezone.now())
    actions.set_status(
        admin, conversation, "pending", pending_until=timezone.now() + timedelta(hours=1)
    )
    assert Conversation.objects.get(pk=conversation.pk).resolution_due_at is None
    # Time passes (tests only): the moment is a minute behind us.
    Conversation.objects.filter(pk=conversation.pk).update(
        pending_until=timezone.now() - timedelta(minutes=1)
    )
    worker = start_worker(subprocess_env(CELERY_BROKER_URL=broker))
    try:
        reopen_pending_due.delay()  # what beat sends every minute

        def reopened():
            return Conversation.objects.get(pk=conversation.pk).status == Status.OPEN

        assert wait_until(reopened, timeout=90), stop(worker)
    finally:
        log = stop(worker)
    assert "reopen_pending_due" in log and "succeeded" in log
    woken = Conversation.objects.get(pk=conversation.pk)
    assert woken.pending_until is None and woken.resolution_due_at is not None
