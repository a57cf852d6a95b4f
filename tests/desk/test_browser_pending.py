"""Send and solve, Send and set pending, and Pending until in a real Chromium: each moves the
conversation through the actions, and pending until a moment reopens itself then."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from helpline.conversations.models import Conversation, Status
from helpline.conversations.tasks import reopen_pending_due
from helpline.conversations.verbs import Verb
from helpline.core.models import Activity
from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def olga(north, mailbox):
    return write_in(
        north,
        "olga@example.com",
        "Broken kettle",
        "The lid of my kettle snapped off after two days.",
        name="Olga Berg",
        mailbox=mailbox,
        minutes_ago=20,
    )


def status_changes(conversation) -> int:
    return Activity.objects.filter(
        verb=Verb.STATUS_CHANGED, subject_type="conversation", subject_id=conversation.pk
    ).count()


def test_send_and_solve(browser_page, agent_north, olga):
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{olga.pk}/")
    page.get_by_label("Your reply").fill("A new kettle is on its way, Olga.")
    screenshot(page, "conversation-send-buttons")
    page.set_viewport_size({"width": 375, "height": 800})
    page.locator("#reply-solve").scroll_into_view_if_needed()
    screenshot(page, "conversation-send-buttons-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Send and solve").click()

    page.locator(".flash", has_text="queued for sending. Status: Solved.").wait_for()
    assert page.locator("#conversation-status").inner_text() == "Solved"
    solved = Conversation.objects.get(pk=olga.pk)
    assert solved.status == Status.SOLVED and solved.first_response_at is not None
    assert solved.messages.filter(direction="outbound").count() == 1
    assert status_changes(olga) == 1


def test_send_and_set_pending_then_pending_until_a_time(browser_page, agent_north, olga):
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{olga.pk}/")
    page.get_by_label("Your reply").fill("Could you send us a photo of the lid?")
    page.get_by_role("button", name="Send and set pending").click()
    page.locator(".flash", has_text="Status: Pending.").wait_for()
    assert Conversation.objects.get(pk=olga.pk).pending_until is None

    london = ZoneInfo("Europe/London")  # North Street's clock, which the field is read on
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=1), london).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    page.get_by_label("Pending until").fill(f"{tomorrow:%Y-%m-%dT%H:%M}")
    page.locator("#status-submit").click()
    page.locator(".flash", has_text="it reopens").wait_for()
    assert "Reopens" in page.locator("#conversation-pending-until").inner_text()
    waiting = Conversation.objects.get(pk=olga.pk)
    assert waiting.status == Status.PENDING and waiting.pending_until == tomorrow
    assert status_changes(olga) == 2

    # Time passes: the moment is behind us, and the beat task reopens it.
    Conversation.objects.filter(pk=olga.pk).update(
        pending_until=timezone.now() - timedelta(minutes=1)
    )
    assert reopen_pending_due() == 1
    page.reload()
    assert page.locator("#conversation-status").inner_text() == "Open"
    assert page.locator("#conversation-pending-until").count() == 0
