"""One way to write a time, everywhere in the desk: on the viewer's clock, absolute with its
age beside it, and naming the viewer's zone when the thing's location reads otherwise."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import dateformat, formats, timezone, translation

from helpline.callbacks import actions as callback_actions
from helpline.callbacks.models import Reason
from helpline.core import actions as core_actions
from helpline.core.errors import ActionError
from helpline.core.models import Activity, Role, User
from helpline.desk import times
from tests.desk.conftest import write_in

NORTH = SimpleNamespace(name="North Street", timezone="Europe/London")
SOUTH = SimpleNamespace(name="South Mall", timezone="Europe/Berlin")
LISBON = SimpleNamespace(name="Baixa", timezone="Europe/Lisbon")
ACCRA = SimpleNamespace(name="Osu", timezone="Africa/Accra")  # UTC all year, no summer time
WINTER_NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def shown(value, place=None, zone="Europe/London", now=None, until=None) -> str:
    with timezone.override(zone):
        later = value + timedelta(hours=2) if value else None
        return times.when(value, place, until=until, now=now or later)


def test_a_time_at_the_viewers_own_location_has_no_label():
    html = shown(WINTER_NOON, NORTH)
    assert html == (
        '<time datetime="2026-01-05T12:00:00Z">5 Jan 2026, 12:00<span class="zone"></span>'
        '<span class="age"><span class="sep"> · </span>2h ago</span></time>'
    )


def test_a_time_at_a_location_on_another_clock_names_the_viewers_zone():
    html = shown(WINTER_NOON, SOUTH)
    assert '>5 Jan 2026, 12:00<span class="zone"> London time</span>' in html
    assert 'title="5 Jan 2026, 13:00 at South Mall"' in html  # the location's own reading


def test_the_viewers_zone_decides_the_reading_not_the_location():
    html = shown(WINTER_NOON, NORTH, zone="America/New_York")
    assert '>5 Jan 2026, 07:00<span class="zone"> New York time</span>' in html
    assert 'title="5 Jan 2026, 12:00 at North Street"' in html


def test_zones_whose_clocks_read_alike_need_no_label():
    assert '<span class="zone"></span>' in shown(WINTER_NOON, LISBON)


def test_a_zone_without_summer_time_reads_alike_in_winter_only():
    """Accra is UTC all year; London is UTC in winter and UTC+1 in summer."""
    assert '<span class="zone"></span>' in shown(WINTER_NOON, ACCRA)
    summer = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)
    html = shown(summer, ACCRA)
    assert '>6 Jul 2026, 13:00<span class="zone"> London time</span>' in html
    assert 'title="6 Jul 2026, 12:00 at Osu"' in html


def test_the_hour_that_does_not_exist_when_berlin_springs_forward():
    """At 01:00 UTC on 29 March 2026 Berlin's clocks go from 02:00 to 03:00."""
    before = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    after = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert "29 Mar 2026, 01:59<" in shown(before, SOUTH, zone="Europe/Berlin")
    assert "29 Mar 2026, 03:00<" in shown(after, SOUTH, zone="Europe/Berlin")
    # A London viewer reads 00:59 then 02:00: an hour apart in both places.
    assert '29 Mar 2026, 00:59<span class="zone"> London time' in shown(before, SOUTH)
    assert '29 Mar 2026, 02:00<span class="zone"> London time' in shown(after, SOUTH)


def test_the_hour_that_happens_twice_when_london_falls_back():
    """At 01:00 UTC on 25 October 2026 London's clocks go back from 02:00 to 01:00."""
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert "25 Oct 2026, 01:30<" in shown(first, NORTH)
    assert "25 Oct 2026, 01:30<" in shown(second, NORTH)
    assert 'datetime="2026-10-25T00:30:00Z"' in shown(first, NORTH)
    assert 'datetime="2026-10-25T01:30:00Z"' in shown(second, NORTH)


def test_the_age_is_beside_it_past_or_future():
    assert "</span>3d 4h ago<" in shown(WINTER_NOON, now=WINTER_NOON + timedelta(days=3, hours=4))
    assert "</span>in 45m<" in shown(WINTER_NOON, now=WINTER_NOON - timedelta(minutes=45))


def test_a_range_ends_on_the_same_clock():
    html = shown(WINTER_NOON, SOUTH, until=WINTER_NOON + timedelta(minutes=30))
    assert '>5 Jan 2026, 12:00–12:30<span class="zone"> London time' in html


def test_nothing_for_no_time_and_no_label_for_no_place():
    assert shown(None) == ""
    assert '<span class="zone"></span>' in shown(WINTER_NOON, None, zone="Asia/Tokyo")
    assert '<span class="zone"></span>' in shown(
        WINTER_NOON, SimpleNamespace(name="?", timezone="Mars/Olympus")
    )


def test_plain_text_for_sentences_and_titles():
    with timezone.override("Europe/London"):
        assert times.plain(WINTER_NOON, SOUTH) == "5 Jan 2026, 12:00 London time"
        assert times.plain(WINTER_NOON, NORTH) == "5 Jan 2026, 12:00"
        assert times.plain(WINTER_NOON, "Europe/Berlin") == "5 Jan 2026, 12:00 London time"


def test_what_people_call_a_zone():
    assert times.zone_name(ZoneInfo("America/Argentina/Buenos_Aires")) == "Buenos Aires time"
    assert times.zone_name(ZoneInfo("UTC")) == "UTC"
    assert times.zone_name(ZoneInfo("Etc/GMT+3")) == "GMT+3"


@pytest.mark.parametrize("language", ["en", "de", "fr", "en-gb"])
def test_the_fast_formatter_writes_what_djangos_would(language):
    local = datetime(2026, 12, 4, 9, 5, tzinfo=UTC)
    with translation.override(language):
        for kind in ("DATETIME_FORMAT", "DATE_FORMAT", "TIME_FORMAT"):
            expected = dateformat.format(local, formats.get_format(kind))
            assert times._compile(formats.get_format(kind))(local) == expected, kind


def test_the_template_tag_is_the_same_thing():
    template = Template("{% load desk %}{% when at place %}|{{ at|moment:place }}")
    with timezone.override("Europe/London"):
        out = template.render(Context({"at": WINTER_NOON, "place": SOUTH}))
    assert out.startswith('<time datetime="2026-01-05T12:00:00Z" title="5 Jan 2026, 13:00 at')
    assert out.endswith("|5 Jan 2026, 12:00 London time")


# The agent's zone ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_zone_defaults_to_the_first_location_given_then_the_sites(north, south, settings):
    settings.TIME_ZONE = "America/Chicago"
    agent = User.objects.create_user("ulla", "ulla@shop.test", "pw", role=Role.AGENT)
    assert agent.zone().key == "America/Chicago"
    agent = User.objects.get(pk=agent.pk)
    agent.locations.add(south)
    agent.locations.add(north)
    assert User.objects.get(pk=agent.pk).zone().key == "Europe/Berlin"


@pytest.mark.django_db
def test_an_agent_chooses_a_zone_and_it_is_logged(agent_north):
    agent = core_actions.set_time_zone(agent_north, agent_north, "Asia/Tokyo")
    assert User.objects.get(pk=agent.pk).zone().key == "Asia/Tokyo"
    logged = Activity.objects.get(verb="user.time_zone_chosen")
    assert (logged.actor, logged.subject_id) == (agent_north, agent_north.pk)
    assert logged.data == {"before": "", "after": "Asia/Tokyo"}
    with pytest.raises(ActionError):
        core_actions.set_time_zone(agent_north, agent_north, "Mars/Olympus")
    core_actions.set_time_zone(agent_north, agent_north, "")  # back to automatic
    assert User.objects.get(pk=agent.pk).zone().key == "Europe/London"


@pytest.mark.django_db
def test_the_settings_page_changes_the_zone_of_every_page(agent_north, north):
    client = Client()
    client.force_login(agent_north)
    page = client.get("/me/").content.decode()
    assert "Automatic: Europe/London" in page
    assert 'href="/me/"' in client.get("/").content.decode()  # from the header

    response = client.post("/me/", {"time_zone": "America/New_York"}, follow=True)
    assert "Times are now shown in America/New_York." in response.content.decode()
    assert User.objects.get(pk=agent_north.pk).time_zone == "America/New_York"

    refused = client.post("/me/", {"time_zone": "Mars/Olympus"})
    assert refused.status_code == 400 and 'id="id_time_zone_error"' in refused.content.decode()


# A page mixing messages and callbacks -------------------------------------------------------


def readings(html: str) -> list[tuple[str, str]]:
    """(ISO instant, what is shown) of every <time> on a page."""
    return re.findall(r'<time datetime="([^"]+)"[^>]*>([^<]*)<', html)


@pytest.mark.django_db
def test_messages_and_callbacks_of_other_locations_read_on_one_clock(north, south):
    """Ulla serves North Street first (London), so she reads London time; Maria's message
    came to North Street and one of her callbacks is South Mall's (Berlin)."""
    ulla = User.objects.create_user("ulla", "ulla@shop.test", "pw", role=Role.AGENT)
    ulla.locations.add(north)
    ulla.locations.add(south)
    conversation = write_in(north, "maria@example.com", "Order 123", minutes_ago=90)
    due = timezone.now() + timedelta(days=2)
    callback = callback_actions.create_callback(
        None, conversation.customer, "+4915112345678", Reason.REQUESTED, location=south, due_at=due
    )
    client = Client()
    client.force_login(ulla)

    html = client.get(f"/conversations/{conversation.pk}/").content.decode()

    message = conversation.messages.get()
    shown_times = dict(readings(html))
    london = ZoneInfo("Europe/London")
    for instant, text in readings(html):
        local = datetime.fromisoformat(instant).astimezone(london)
        assert text.startswith(f"{local.day} {local:%b %Y, %H:%M}"), (instant, text)
    iso = lambda moment: moment.astimezone(UTC).isoformat().replace("+00:00", "Z")  # noqa: E731
    assert iso(message.created_at) in shown_times and iso(callback.due_at) in shown_times
    # The callback is on Berlin's clock there, so it says whose clock it is read on here.
    side = html[html.index(f'id="open-callback-{callback.pk}"') :]
    assert '<span class="zone"> London time</span>' in side[: side.index("</li>")]
    thread = html[html.index(f'id="message-{message.pk}"') :]
    assert '<span class="zone"></span>' in thread[:2000]


def test_a_day_heading_is_the_same_date_format_with_its_weekday():
    from datetime import date

    assert times.format_day(date(2026, 12, 4)) == "Friday 4 Dec 2026"
