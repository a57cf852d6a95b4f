"""Policies edited in Django's admin go through the actions; the beat task scans and mails."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helpline.conversations import actions
from helpline.core.models import Activity, User
from helpline.sla import tasks
from helpline.sla.models import NotificationEmail, SlaPolicy
from tests.sla.conftest import policy, received

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@shop.test", "pw"))
    return client


def test_the_admin_creates_and_deletes_through_the_actions(staff_client):
    response = staff_client.post(
        "/admin/sla/slapolicy/add/",
        {
            "name": "Urgent",
            "position": "0",
            "priority": "urgent",
            "channel": "",
            "first_response_minutes": "15",
            "warn_at_percent": "80",
            "raise_priority_to": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = SlaPolicy.objects.get()
    assert (created.priority, created.first_response_minutes) == ("urgent", 15)
    staff_client.post(f"/admin/sla/slapolicy/{created.pk}/delete/", {"post": "yes"})
    assert not SlaPolicy.objects.exists()
    verbs = Activity.objects.filter(verb__startswith="sla_policy.").values_list("verb", flat=True)
    assert sorted(verbs) == ["sla_policy.created", "sla_policy.deleted"]


def test_the_beat_task_scans_and_sends(north, agent_north, admin, smtp_server):
    policy(first_response_minutes=60)
    conversation = received(north, timezone.now() - timedelta(minutes=55))
    actions.assign(admin, conversation, assignee=agent_north)
    assert tasks.scan_escalations() == {"checked": 1, "events": 1, "mails": 1}
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == [agent_north.email]
    assert NotificationEmail.objects.get().status == "sent"


def test_refreshing_every_clock_after_a_policy_change(north):
    conversation = received(north, timezone.now())
    policy(resolution_minutes=60)
    assert tasks.refresh_all_clocks() == 1
    conversation.refresh_from_db()
    assert conversation.resolution_due_at == conversation.created_at + timedelta(minutes=60)
