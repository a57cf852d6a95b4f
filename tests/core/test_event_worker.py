"""A real Celery worker delivers the bus's after-commit events; one killed mid-handler loses
nothing and doubles nothing."""

import os
import signal

import pytest

from helpline.conversations import actions
from helpline.conversations.receive import receive
from helpline.core import events
from helpline.core.events import EventName, Phase
from helpline.core.models import EventDelivery, EventDeliveryStatus
from tests.bus_probe import handlers as probe
from tests.channels.email.test_worker import broker, start_worker, stop, wait_until  # noqa: F401
from tests.conftest import email_from, subprocess_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture
def probe_heard(tmp_path, monkeypatch):
    """The probe's handler subscribed here too, so that notes store its deliveries."""
    log = tmp_path / "probe.log"
    monkeypatch.setenv("BUS_PROBE_LOG", str(log))
    events.subscribe(EventName.NOTE_ADDED, probe.hear_note, phase=Phase.AFTER_COMMIT)
    yield log
    events.unsubscribe(EventName.NOTE_ADDED, probe.hear_note)


def test_a_worker_killed_mid_handler_delivers_after_a_restart_once_in_effect(
    broker,  # noqa: F811
    probe_heard,
    tmp_path,
    agent_north,
):
    conversation = receive(email_from(subject="Kettle", text="It leaks.")).message.conversation
    stall = tmp_path / "stalled"
    env = subprocess_env(
        CELERY_BROKER_URL=broker,
        HELPLINE_EXTRA_APPS="tests.bus_probe",
        HELPLINE_EVENT_CLAIM_SECONDS=2,
        BUS_PROBE_LOG=probe_heard,
        BUS_PROBE_STALL=stall,
    )
    first = start_worker(env)
    try:
        note = actions.add_note(agent_north, conversation, "Sent a replacement seal.")
        delivery = EventDelivery.objects.get(handler=events.handler_key(probe.hear_note))
        assert wait_until(stall.exists, timeout=90), stop(first)
        assert EventDelivery.objects.get(pk=delivery.pk).status == EventDeliveryStatus.RUNNING
    finally:
        stop(first, signal.SIGKILL)  # dies inside the handler, before it commits
    assert not conversation.tags.exists()

    second = start_worker(env)
    try:
        from helpline.core.tasks import sweep_events

        def delivered():
            if EventDelivery.objects.get(pk=delivery.pk).status != EventDeliveryStatus.DONE:
                sweep_events.delay()  # celery beat's part: it finds the stale claim
                wait_until(lambda: False, timeout=1)
            return EventDelivery.objects.get(pk=delivery.pk).status == EventDeliveryStatus.DONE

        assert wait_until(delivered, timeout=90), stop(second)
    finally:
        log = stop(second)
    runs = probe_heard.read_text().splitlines()
    assert len(runs) == 2, log  # at least once: the killed run and the one that finished
    assert len({line.split("pid=")[1] for line in runs}) == 2
    assert list(conversation.tags.values_list("name", flat=True)) == [f"heard-{note.pk}"]
    assert os.path.exists(stall)
