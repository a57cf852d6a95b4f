"""The first-run checklist, locations with their hours, and the hint on a desk without one."""

from datetime import time

import pytest
from django.test import Client

from helpline.core.models import Activity, Location, Role, User
from helpline.hours.models import OpeningHours

pytestmark = pytest.mark.django_db

WEEK = {
    "hours_monday": "09:00–17:30",
    "hours_tuesday": "9-17",
    "hours_wednesday": "09:00-12:30, 13:30-17:00",
    "hours_thursday": "",
    "hours_friday": "08:00–24:00",
    "hours_saturday": "",
    "hours_sunday": "",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def location_form(**fields) -> dict:
    return {
        "name": "Harbour Road",
        "timezone": "Europe/Berlin",
        "country": "DE",
        "region": "BY",
        **WEEK,
        **fields,
    }


def test_an_admin_without_a_location_lands_on_the_checklist(admin):
    client = Client()
    response = client.post("/sign-in/", {"username": "ada", "password": "pw-ada-123"})
    assert response.status_code == 302
    assert response.url == "/settings/"
    page = client.get(response.url).content.decode()
    assert 'id="step-location"' in page and "Not done" in page
    assert 'href="/settings/locations/new/"' in page


def test_with_a_location_the_admin_lands_on_the_inbox(admin, north):
    response = Client().post("/sign-in/", {"username": "ada", "password": "pw-ada-123"})
    assert response.url == "/"


def test_an_agent_never_lands_on_the_checklist():
    User.objects.create_user("nick", "nick@shop.test", "pw-nick-123", role=Role.AGENT)
    response = Client().post("/sign-in/", {"username": "nick", "password": "pw-nick-123"})
    assert response.url == "/"


def test_an_admin_adds_a_location_with_its_week(admin):
    client = signed_in(admin)
    response = client.post("/settings/locations/new/", location_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    location = Location.objects.get()
    assert (location.name, location.timezone, location.country, location.region) == (
        "Harbour Road",
        "Europe/Berlin",
        "DE",
        "BY",
    )
    week = list(OpeningHours.objects.values_list("weekday", "opens", "closes"))
    assert week == [
        (0, time(9), time(17, 30)),
        (1, time(9), time(17)),
        (2, time(9), time(12, 30)),
        (2, time(13, 30), time(17)),
        (4, time(8), time(0)),
    ]
    verbs = set(Activity.objects.filter(actor=admin).values_list("verb", flat=True))
    assert verbs == {"location.created", "location.hours_set"}
    listing = client.get("/settings/locations/").content.decode()
    assert "Mon 09:00–17:30 · Tue 09:00–17:00" in listing
    checklist = client.get("/settings/").content.decode()
    assert checklist.count("Not done") == checklist.count('class="step"')


def test_editing_keeps_what_is_unchanged_and_logs_what_changed(admin, north):
    client = signed_in(admin)
    page = client.get(f"/settings/locations/{north.pk}/").content.decode()
    assert 'value="North Street"' in page
    response = client.post(
        f"/settings/locations/{north.pk}/",
        location_form(name="North Street", timezone="Europe/London", country="GB", region="SCT"),
    )
    assert response.status_code == 302
    north.refresh_from_db()
    assert north.region == "SCT"
    changed = Activity.objects.get(verb="location.updated").data["changed"]
    assert changed == {"region": ["", "SCT"]}
    # Saving again without a change writes nothing.
    client.post(
        f"/settings/locations/{north.pk}/",
        location_form(name="North Street", timezone="Europe/London", country="GB", region="SCT"),
    )
    assert Activity.objects.filter(verb__startswith="location.").count() == 2


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"name": " "}, "name", "A location needs a name."),
        ({"name": "North Street"}, "name", "Another location has this name."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
        ({"region": "XX"}, "region", "Not a region of DE. Known regions: BB, BE"),
        ({"country": "", "region": "BY"}, "region", "Choose the country first"),
        ({"hours_monday": "nine to five"}, "hours_monday", "is not a span of hours"),
        ({"hours_monday": "17:00-09:00"}, "hours_monday", "Must be after the opening time"),
        ({"hours_monday": "25:00-26:00"}, "hours_monday", "is not a time of day"),
        ({"hours_wednesday": "09:00-13:00, 12:00-17:00"}, "hours_wednesday", "Overlaps"),
    ],
)
def test_a_refused_location_says_why_next_to_the_field(admin, north, fields, field, words):
    response = signed_in(admin).post("/settings/locations/new/", location_form(**fields))
    assert response.status_code == 400
    page = response.content.decode()
    error_start = page.index(f'id="id_{field}_error"')
    assert words in page[error_start : error_start + 400]
    assert Location.objects.count() == 1  # only North Street, nothing half-saved
    assert not OpeningHours.objects.exists()


def test_an_agent_may_not_see_the_settings(agent_north, north):
    client = signed_in(agent_north)
    for url in ("/settings/", "/settings/locations/", f"/settings/locations/{north.pk}/"):
        assert client.get(url).status_code == 403
    assert client.post("/settings/locations/new/", location_form()).status_code == 403
    assert Location.objects.count() == 1
    assert "nav-settings" not in client.get("/").content.decode()


def test_new_conversation_without_a_location_tells_the_admin_where_to_add_one(admin):
    page = signed_in(admin).get("/conversations/new/").content.decode()
    assert 'id="no-location"' in page
    assert 'href="/settings/locations/new/"' in page


def test_new_conversation_without_a_location_tells_an_agent_to_ask_the_admin(north):
    agent = User.objects.create_user("nick", "nick@shop.test", "pw", role=Role.AGENT)
    page = signed_in(agent).get("/conversations/new/").content.decode()
    assert "Ask your admin" in page
    assert "/settings/" not in page


def test_new_conversation_with_a_location_has_no_hint(agent_north):
    page = signed_in(agent_north).get("/conversations/new/").content.decode()
    assert 'id="no-location"' not in page


def test_a_location_with_an_old_time_zone_name_can_still_be_saved(admin):
    old = Location.objects.create(name="Old Town", timezone="GMT")
    client = signed_in(admin)
    assert 'value="GMT" selected' in client.get(f"/settings/locations/{old.pk}/").content.decode()
    response = client.post(
        f"/settings/locations/{old.pk}/", location_form(name="Old Town", timezone="GMT")
    )
    assert response.status_code == 302
