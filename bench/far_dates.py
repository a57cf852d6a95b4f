"""Far-away dates, as the security review sent them, against a fresh SQLite desk.

    .venv/bin/python bench/far_dates.py

A fresh HELPLINE_DATA_DIR (migrated, not timed), a London location open Mon–Fri 09:00–17:00
with England's public holidays, an SLA policy, a phone line, an agent with a token and a
conversation. The calendar is first asked about today (as a running desk's is). Then, each
timed once through Django's test client (the whole request: middleware, auth, the action):

  desk_call_back_ms      the desk's "Call back at…" form, due_at=9800-01-01T10:00
  api_callback_ms        POST /api/callbacks, due_at 9800-01-01T10:00Z
  api_call_event_ms      POST /api/calls/events, started_at 9900-06-01T10:00:00Z
  note_ms                an internal note posted right after (it got "database is locked")
  calendar_9800_ms       the location's calendar itself: next_open, add and a week's
                         elapsed around 9800-01-01, after today's years were worked out
  refresh_all_ms         helpline.sla.clocks.refresh_all()

with each request's status code, the years the calendar worked out, and peak_rss_mb (the
process's maximum resident set, start-up and migrations included). The conversation page is
loaded once first, untimed, so that the desk's templates are compiled as in a running
process. Prints one JSON object.
"""

import json
import os
import resource
import sys
import tempfile
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def setup() -> None:
    os.environ["HELPLINE_DATA_DIR"] = tempfile.mkdtemp(prefix="helpline-far-dates-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(function) -> tuple[float, object]:
    began = clock.perf_counter()
    result = function()
    return round((clock.perf_counter() - began) * 1000, 1), result


def main() -> None:
    setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from helpline.channels.phone.models import PhoneLine
    from helpline.conversations.receive import Inbound, receive
    from helpline.core.models import Location, Role, User
    from helpline.core.tokens import issue_token
    from helpline.hours.actions import set_opening_hours
    from helpline.hours.calendar import calendar_for
    from helpline.sla import actions as sla_actions
    from helpline.sla.clocks import refresh_all

    setup_test_environment()  # the test client's testserver host
    admin = User.objects.create_user("ada", "ada@shop.test", "pw", role=Role.ADMIN)
    agent = User.objects.create_user("nora", "nora@shop.test", "pw", role=Role.AGENT)
    north = Location.objects.create(
        name="North Street", timezone="Europe/London", country="GB", region="ENG"
    )
    agent.locations.add(north)
    set_opening_hours(admin, north, [(day, time(9), time(17)) for day in range(5)])
    sla_actions.create_policy(
        admin, name="Standard", first_response_minutes=240, resolution_minutes=2400
    )
    PhoneLine.objects.create(number="+442071838750", location=north)
    conversation = receive(
        Inbound(
            channel="email",
            identity_kind="email",
            identity_value="maria@example.com",
            subject="Order 123",
            text="Call me, please",
            location=north,
        )
    ).message.conversation
    calendar = calendar_for(north)
    calendar.add(datetime.now(UTC), timedelta(hours=8))  # today's years, as a running desk
    years_before = calendar.years_worked_out

    desk = Client()
    desk.force_login(agent)
    desk.get(f"/conversations/{conversation.pk}/")  # templates loaded, as in a running desk
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(agent, 'bench')}"}
    api = Client()
    customer_id = conversation.customer_id

    def post_json(path, body):
        return api.post(path, json.dumps(body), content_type="application/json", **bearer)

    requests = {
        "desk_call_back": lambda: desk.post(
            f"/conversations/{conversation.pk}/call-back/",
            {"phone_number": "", "other_number": "+447700900123", "due_at": "9800-01-01T10:00"},
        ),
        "api_callback": lambda: post_json(
            "/api/callbacks",
            {
                "customer_id": customer_id,
                "phone_number": "+447700900123",
                "due_at": "9800-01-01T10:00Z",
            },
        ),
        "api_call_event": lambda: post_json(
            "/api/calls/events",
            {
                "call_id": "far-1",
                "direction": "inbound",
                "from_number": "+447700900456",
                "to_number": "+442071838750",
                "outcome": "missed",
                "started_at": "9900-06-01T10:00:00Z",
            },
        ),
        "note": lambda: desk.post(
            f"/conversations/{conversation.pk}/note/", {"text": "Tried to call, no answer"}
        ),
    }
    figures: dict[str, object] = {}
    for name, request in requests.items():
        ms, response = timed(request)
        figures[f"{name}_ms"] = ms
        figures[f"{name}_status"] = response.status_code

    def far_calendar():
        new_year = datetime(9800, 1, 1, 10, tzinfo=UTC)
        calendar.next_open(new_year)
        calendar.add(new_year, timedelta(hours=40))
        return calendar.elapsed(new_year, new_year + timedelta(days=7))

    figures["calendar_9800_ms"], _ = timed(far_calendar)
    figures["calendar_years_worked_out_for_9800"] = calendar.years_worked_out - years_before
    figures["refresh_all_ms"], _ = timed(refresh_all)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
