"""Appointments in a real Chromium: book one from the form, find it on the list, and once
its time has come, mark it missed."""

import pytest

from helpline.appointments.models import Appointment, AppointmentStatus
from tests.appointments.conftest import as_if_past, next_weekday, utc
from tests.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_book_an_appointment_and_mark_it_missed(browser_page, agent_north, maria_conversation):
    page = browser_page
    monday = next_weekday(0, 10)
    sign_in(page, "nora", "pw-nora-123")

    page.goto("/appointments/")
    page.get_by_role("link", name="Book an appointment").click()
    page.get_by_label("Find the customer").fill("Maria")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Book for Maria López").click()
    assert "For Maria López" in page.locator("#booking-for").inner_text()
    page.get_by_label("Agent").select_option(label="Nora")
    page.get_by_role("button", name="Show free times").click()
    page.get_by_label("Kind").select_option(label="In-store appointment")
    page.get_by_label("Time").select_option(value=utc(monday).isoformat())
    page.get_by_label("Note").fill("Bring the kettle and the receipt")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "appointment-book-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Book and send the invitation").click()

    page.locator(".flash", has_text="Booked: Maria López").wait_for()
    appointment = Appointment.objects.get()
    assert appointment.starts_at == utc(monday) and appointment.agent == agent_north
    row = page.locator(f"#appointment-{appointment.pk}")
    assert "10:00–10:30" in row.inner_text() and "Bring the kettle" in row.inner_text()
    assert row.get_by_role("button", name="Missed: Maria López").count() == 0  # not yet
    page.keyboard.press("j")
    assert "selected" in row.get_attribute("class")
    screenshot(page, "appointments")

    as_if_past(appointment, hours_ago=3)  # time passes; she does not come
    page.reload()
    row = page.locator("#outcome-rows").locator(f"#appointment-{appointment.pk}")
    assert "Needs an outcome" in row.inner_text()
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "appointments-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    row.get_by_role("button", name="Missed: Maria López").click()

    page.locator(".flash", has_text="Missed: Maria López").wait_for()
    assert page.locator("#outcome-rows").count() == 0
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.MISSED
    # Booked for the customer, not on her email: it has a conversation of its own.
    assert appointment.conversation_id != maria_conversation.pk
    page.goto(f"/conversations/{appointment.conversation_id}/")
    assert page.get_by_text("Appointment missed: in-store appointment at North Street").count() == 1


def test_booking_from_a_conversation_assigns_it_and_sets_it_pending_until_the_time(
    browser_page, agent_north, maria_conversation
):
    page = browser_page
    monday = next_weekday(0, 10)
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{maria_conversation.pk}/")
    assert page.locator("#conversation-assignee").inner_text() == "Unassigned"

    page.get_by_role("link", name="Book appointment").click()
    page.get_by_label("Agent").select_option(label="Nora")
    page.get_by_role("button", name="Show free times").click()
    page.get_by_label("Kind").select_option(label="In-store appointment")
    page.get_by_label("Time").select_option(value=utc(monday).isoformat())
    page.get_by_role("button", name="Book and send the invitation").click()
    page.locator(".flash", has_text="The invitation is queued for sending.").wait_for()

    page.goto(f"/conversations/{maria_conversation.pk}/")
    assert page.locator("#conversation-assignee").inner_text() == "Assigned to Nora"
    assert page.locator("#conversation-status").inner_text() == "Pending"
    reopens = page.locator("#conversation-pending-until").inner_text()
    assert reopens == f"Reopens {monday.day} {monday:%b %Y}, 10:00"  # on Nora's London clock
    assert page.locator("#pending-until").input_value() == f"{monday:%Y-%m-%d}T10:00"
    note = page.locator("#thread .direction-note").last.inner_text()
    assert "Invitation queued for maria@example.com." in note
    screenshot(page, "conversation-waiting-for-appointment")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "conversation-waiting-for-appointment-phone")
