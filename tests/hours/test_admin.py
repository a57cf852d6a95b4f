"""The location's admin page edits opening hours and closures, through the actions."""

import pytest
from django.test import Client

from helpline.core.models import Activity, User
from helpline.hours.models import Closure, OpeningHours

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@shop.test", "pw"))
    return client


def _form(location, hours=(), closures=(), existing_closures=()):
    data = {
        "name": location.name,
        "timezone": location.timezone,
        "country": location.country,
        "region": location.region,
        "opening_hours-TOTAL_FORMS": str(len(hours)),
        "opening_hours-INITIAL_FORMS": "0",
        "closures-TOTAL_FORMS": str(len(existing_closures) + len(closures)),
        "closures-INITIAL_FORMS": str(len(existing_closures)),
    }
    for n, (weekday, opens, closes) in enumerate(hours):
        data |= {
            f"opening_hours-{n}-weekday": weekday,
            f"opening_hours-{n}-opens": opens,
            f"opening_hours-{n}-closes": closes,
        }
    for n, (closure, delete) in enumerate(existing_closures):
        data |= {f"closures-{n}-id": closure.pk, f"closures-{n}-location": location.pk}
        if delete:
            data[f"closures-{n}-DELETE"] = "on"
    for n, (starts_date, starts_time, ends_date, ends_time, reason) in enumerate(
        closures, start=len(existing_closures)
    ):
        data |= {
            f"closures-{n}-starts_at_0": starts_date,
            f"closures-{n}-starts_at_1": starts_time,
            f"closures-{n}-ends_at_0": ends_date,
            f"closures-{n}-ends_at_1": ends_time,
            f"closures-{n}-reason": reason,
        }
    return data


def test_the_location_page_shows_hours_and_closures(staff_client, north):
    page = staff_client.get(f"/admin/core/location/{north.pk}/change/").content.decode()
    assert "Opening hours" in page and "Closures" in page


def test_saving_hours_and_a_closure_goes_through_the_actions(staff_client, north):
    data = _form(
        north,
        hours=[(0, "09:00", "12:30"), (0, "13:30", "18:00")],
        closures=[("2030-06-04", "09:00", "2030-06-04", "18:00", "Stocktaking")],
    )
    response = staff_client.post(f"/admin/core/location/{north.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert OpeningHours.objects.filter(location=north).count() == 2
    assert Closure.objects.get().reason == "Stocktaking"
    assert set(Activity.objects.values_list("verb", flat=True)) == {
        "location.hours_set",
        "location.closure_added",
    }


def test_overlapping_hours_are_refused_with_the_reason(staff_client, north):
    data = _form(north, hours=[(2, "09:00", "17:00"), (2, "16:00", "18:00")])
    response = staff_client.post(f"/admin/core/location/{north.pk}/change/", data)
    assert response.status_code == 200
    assert "overlaps Wednesday 09:00–17:00" in response.content.decode()
    assert not OpeningHours.objects.exists() and not Activity.objects.exists()


def test_a_closure_ending_before_it_starts_is_refused(staff_client, north):
    data = _form(north, closures=[("2030-06-04", "18:00", "2030-06-04", "09:00", "")])
    response = staff_client.post(f"/admin/core/location/{north.pk}/change/", data)
    assert response.status_code == 200
    assert "must be after the start" in response.content.decode()
    assert not Closure.objects.exists()


def test_deleting_a_closure_is_logged(staff_client, north):
    from datetime import UTC, datetime

    from helpline.hours import actions

    closure = actions.add_closure(
        None, north, datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC), "Storm"
    )
    data = _form(north, existing_closures=[(closure, True)])
    response = staff_client.post(f"/admin/core/location/{north.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Closure.objects.exists()
    assert Activity.objects.filter(verb="location.closure_removed").count() == 1
