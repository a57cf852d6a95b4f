"""The back-off after a try nobody answered: 15 minutes, an hour, the next morning, always
within opening hours (North Street: weekdays 09:00–17:00, London)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpline.callbacks import backoff
from helpline.hours.calendar import calendar_for
from tests.callbacks.conftest import london

pytestmark = pytest.mark.django_db

TUESDAY_10 = london(2025, 3, 11, 10, 0)


def test_the_default_schedule_is_15_minutes_an_hour_then_the_next_morning(office_hours):
    calendar = calendar_for(office_hours)
    assert backoff.next_try(calendar, 1, TUESDAY_10) == london(2025, 3, 11, 10, 15)
    assert backoff.next_try(calendar, 2, TUESDAY_10) == london(2025, 3, 11, 11, 0)
    assert backoff.next_try(calendar, 3, TUESDAY_10) == london(2025, 3, 12, 9, 0)
    # The last step repeats.
    assert backoff.next_try(calendar, 7, TUESDAY_10) == london(2025, 3, 12, 9, 0)


def test_a_try_that_would_fall_after_closing_waits_for_the_next_opening(office_hours):
    calendar = calendar_for(office_hours)
    friday_late = london(2025, 3, 14, 16, 50)
    assert backoff.next_try(calendar, 1, friday_late) == london(2025, 3, 17, 9, 0)
    assert backoff.next_try(calendar, 3, friday_late) == london(2025, 3, 17, 9, 0)


def test_next_morning_is_after_the_locations_own_midnight(office_hours):
    # 23:30 UTC on Tuesday is 23:30 in London (winter): Wednesday morning, not Thursday.
    calendar = calendar_for(office_hours)
    late = london(2025, 1, 14, 23, 30)
    assert backoff.next_try(calendar, 3, late) == london(2025, 1, 15, 9, 0)


def test_the_schedule_comes_from_settings(settings, office_hours):
    settings.HELPLINE_CALLBACK_BACKOFF = "30m, 2h"
    calendar = calendar_for(office_hours)
    assert backoff.next_try(calendar, 1, TUESDAY_10) == TUESDAY_10 + timedelta(minutes=30)
    assert backoff.next_try(calendar, 5, TUESDAY_10) == TUESDAY_10 + timedelta(hours=2)


@pytest.mark.parametrize("spec", ["", "15", "soon", "15m,tomorrow"])
def test_a_schedule_it_cannot_read_is_a_configuration_error(spec):
    with pytest.raises(ImproperlyConfigured):
        backoff.steps(spec)
