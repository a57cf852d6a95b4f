"""The escalation scan: each warning and breach once, to the assignee and the team lead,
by the desk and by email, with the policy's escalation applied."""

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from helpline.conversations import actions
from helpline.conversations.models import Conversation
from helpline.core.models import Activity, Team
from helpline.sla import escalation, notify
from helpline.sla.models import Notification, NotificationEmail, SlaEvent
from tests.sla.conftest import fresh, policy, received

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(north, agent_north, team, admin):
    """Maria wrote 50 minutes ago; Nora of the front desk has it. First response in an hour."""
    policy(first_response_minutes=60, raise_priority_to="high")
    conversation = received(north, timezone.now() - timedelta(minutes=50))
    actions.assign(admin, conversation, assignee=agent_north, team=team)
    return fresh(conversation)


def test_the_warning_reaches_the_assignee_and_the_team_lead_once(assigned, agent_north, lead):
    first = escalation.scan()
    again = escalation.scan()
    (event,) = first.events
    assert (event.kind, event.clock, event.due_at) == ("warning", "response", assigned.sla_due_at)
    assert again.events == []
    notified = Notification.objects.filter(conversation=assigned)
    assert sorted(n.user.username for n in notified) == sorted(
        [agent_north.username, lead.username]
    )
    assert all("response target is due" in n.text for n in notified)
    # On North Street's clock (London), named so: the lead may be elsewhere.
    due = timezone.localtime(assigned.sla_due_at, ZoneInfo(assigned.location.timezone))
    assert all(f"{due:%d %b %Y, %H:%M} North Street time" in n.text for n in notified)
    assert sorted(NotificationEmail.objects.values_list("to", flat=True)) == sorted(
        [agent_north.email, lead.email]
    )
    # The next check is the due time itself.
    assert fresh(assigned).sla_next_check_at == assigned.response_due_at


def test_a_lead_who_does_not_serve_the_location_is_not_told(assigned, agent_north, lead, south):
    lead.locations.set([south])
    escalation.scan()
    notified = Notification.objects.filter(conversation=assigned)
    assert [n.user.username for n in notified] == [agent_north.username]
    assert list(NotificationEmail.objects.values_list("to", flat=True)) == [agent_north.email]


def test_the_policy_escalates_through_the_actions(assigned, north):
    front, back = assigned.team, Team.objects.create(name="Back office")
    assigned.sla_policy.reassign_to_team = back
    assigned.sla_policy.save()
    escalation.scan()
    escalated = fresh(assigned)
    assert escalated.priority == "high"
    assert escalated.team == back and escalated.assignee is None
    verbs = set(
        Activity.objects.filter(subject_id=assigned.pk, actor=None).values_list("verb", flat=True)
    )
    assert {"conversation.priority_changed", "conversation.assigned"} <= verbs
    assert front != back


def test_the_breach_follows_the_warning(assigned):
    escalation.scan()
    breach = escalation.scan(now=assigned.response_due_at + timedelta(seconds=1))
    (event,) = breach.events
    assert (event.kind, event.clock) == ("breach", "response")
    assert Notification.objects.filter(event=event).count() == 2
    assert fresh(assigned).sla_next_check_at is None


def test_a_late_scan_records_both_and_tells_only_the_breach(assigned):
    late = escalation.scan(now=assigned.response_due_at + timedelta(hours=1))
    assert sorted(e.kind for e in late.events) == ["breach", "warning"]
    assert set(Notification.objects.values_list("event__kind", flat=True)) == {"breach"}


def test_an_answer_in_time_stops_the_clock(assigned, admin):
    actions.reply(admin, assigned, "Here is your tracking number")
    assert fresh(assigned).sla_next_check_at is None
    assert escalation.scan(now=assigned.response_due_at + timedelta(hours=1)).events == []


def test_nobody_to_tell_is_fine(north):
    policy(first_response_minutes=60)
    received(north, timezone.now() - timedelta(minutes=59))
    (event,) = escalation.scan().events
    assert event.kind == "warning" and not Notification.objects.exists()


def test_the_mail_reaches_them_through_smtp(assigned, smtp_server, agent_north, lead):
    escalation.scan()
    assert notify.deliver_due() == 2
    arrived = smtp_server.wait_for(2)
    assert sorted(r for m in arrived for r in m.rcpt_tos) == sorted([agent_north.email, lead.email])
    assert f"#{assigned.pk}" in arrived[0].content.decode()
    assert set(NotificationEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert notify.deliver_due() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("directly", [False, True], ids=["scan", "check-each"])
def test_two_scans_at_once_warn_once(directly, north, agent_north, team, admin):
    policy(first_response_minutes=60)
    conversations = [
        received(north, timezone.now() - timedelta(minutes=55), f"c{i}@example.com")
        for i in range(20)
    ]
    for conversation in conversations:
        actions.assign(admin, conversation, assignee=agent_north, team=team)
    now = timezone.now()
    start = threading.Barrier(2)
    won: list[list] = [[], []]

    def scan(slot: int) -> None:
        try:
            start.wait()
            if directly:  # both past the queue read: they meet on every row
                for conversation in conversations:
                    won[slot] += escalation.check([conversation.pk], now)
            else:
                won[slot] = escalation.scan(now).events
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won[0]) + len(won[1]) == 20
    assert SlaEvent.objects.count() == 20
    for conversation in conversations:
        told = Notification.objects.filter(conversation=conversation)
        assert sorted(told.values_list("user__username", flat=True)) == ["lea", "nora"]
    assert Conversation.objects.filter(sla_next_check_at__lte=now).count() == 0


def test_a_point_already_recorded_is_not_told_again(assigned):
    escalation.scan()
    # As if another scan had not yet seen the first one's commit: the due point is taken.
    Conversation.objects.filter(pk=assigned.pk).update(sla_next_check_at=timezone.now())
    assert escalation.scan().events == []
    assert Notification.objects.count() == 2


def test_a_warning_gives_the_due_time_on_the_locations_clock(south):
    conversation = received(south, timezone.now())
    due = timezone.now().replace(month=1, day=5, hour=15, minute=30, second=0, microsecond=0)
    event = SlaEvent(kind="warning", clock="response", due_at=due)

    text = notify.describe(event, conversation, due - timedelta(minutes=20))

    # 15:30 UTC in January is 16:30 in Berlin.
    assert f"due 05 Jan {due.year}, 16:30 South Mall time (in 20m)" in text
