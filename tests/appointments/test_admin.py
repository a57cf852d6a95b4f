"""The admin lists appointments to look at; changing them is the desk's work (the actions
tell the customer and the timeline)."""

import pytest
from django.test import Client
from django.urls import reverse

from helpline.appointments import actions
from helpline.core.models import User
from tests.appointments.conftest import next_weekday

pytestmark = pytest.mark.django_db


def test_the_admin_lists_appointments_read_only(maria, agent_north):
    appointment = actions.book(agent_north, maria, "in_store", next_weekday(0, 10))
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@shop.test", "pw"))

    listed = client.get(reverse("admin:appointments_appointment_changelist"))
    shown = client.get(reverse("admin:appointments_appointment_change", args=[appointment.pk]))
    changed = client.post(
        reverse("admin:appointments_appointment_change", args=[appointment.pk]),
        {"status": "missed"},
    )

    assert listed.status_code == 200 and "Maria López" in listed.content.decode()
    assert shown.status_code == 200  # to look at
    assert changed.status_code == 403
    assert client.get(reverse("admin:appointments_appointment_add")).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "booked"
