"""North Street open Monday to Friday, 09:00–17:00 London time, with its phone line; calls."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from helpline.channels.phone.calls import CallEvent, record_call
from helpline.hours.actions import set_opening_hours
from tests.channels.phone.conftest import MARIA, NORTH_NUMBER, north_line  # noqa: F401

LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def office_hours(north):
    set_opening_hours(None, north, [(day, time(9), time(17)) for day in range(5)])
    return north


@pytest.fixture
def missed_call(north_line, office_hours, django_capture_on_commit_callbacks):  # noqa: F811
    """Record a call from Maria to North Street (missed, unless told otherwise)."""

    def make(call_id="c-1", outcome="missed", started_at=None, direction="inbound", **fields):
        ours, theirs = NORTH_NUMBER, fields.pop("number", MARIA)
        from_number, to_number = (theirs, ours) if direction == "inbound" else (ours, theirs)
        event = CallEvent(
            provider="pbx",
            call_id=call_id,
            direction=direction,
            from_number=from_number,
            to_number=to_number,
            outcome=outcome,
            started_at=started_at,
            **fields,
        )
        with django_capture_on_commit_callbacks(execute=True):
            return record_call(event).message

    return make
