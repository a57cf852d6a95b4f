"""The report pages, their drill-down and CSV, and the API: same numbers, the viewer's
scope, errors by field."""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from helpline.core.tokens import issue_token
from helpline.reports import figures
from helpline.reports.figures import Filters, Scope
from helpline.reports.formats import show

pytestmark = pytest.mark.django_db

SAY = "/reports/say/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {issue_token(user)}"})


def _wide() -> dict:
    today = timezone.localdate()
    return {"start": (today - timedelta(days=70)).isoformat(), "end": today.isoformat()}


def test_pages_show_the_figures_with_n_and_definitions(history):
    client = _client(history.admin)
    for url in ("/reports/volume/", "/reports/responsiveness/", "/reports/promises/"):
        response = client.get(url, _wide())
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "n = " in body and "How is this computed?" in body
        assert "previous period" in body
        assert "data:image/svg+xml;base64," in body  # a chart, drawn on the server
        assert "<script" not in body.split("</head>")[1].replace('<script src="/static', "")


def test_a_bad_filter_is_named_next_to_its_field(history):
    response = _client(history.admin).get("/reports/volume/", {"start": "2026-02-30"})
    assert response.status_code == 400
    assert 'id="start-error"' in response.content.decode()
    response = _client(history.admin).get(
        "/reports/volume/", {"start": "2026-05-01", "end": "2026-04-01"}
    )
    assert response.status_code == 400
    assert "on or before the end" in response.content.decode()


def test_an_agent_sees_only_their_own_figures(history):
    api = _api(history.nora).get("/api/reports/volume", _wide()).json()
    today = timezone.localdate()
    own = Filters(today - timedelta(days=70), today, Scope(None), agent=history.nora)
    assert api["headlines"][0]["value"] == figures.new_conversations(own).value
    assert (
        api["headlines"][0]["value"]
        < figures.new_conversations(Filters(own.start, own.end, Scope(None))).value
    )
    # Asking for another agent's figures shows none: the choice is not theirs to make.
    response = _api(history.nora).get("/api/reports/volume", {"agent": history.olga.pk})
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "agent"


def test_a_manager_sees_their_locations_only(history):
    today = timezone.localdate()
    start = today - timedelta(days=70)
    api = _api(history.manager).get("/api/reports/volume", _wide()).json()
    north = figures.new_conversations(Filters(start, today, Scope(None), location=history.north))
    assert api["headlines"][0]["value"] == north.value
    response = _api(history.manager).get("/api/reports/volume", {"location": history.south.pk})
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "location"
    page = _client(history.manager).get("/reports/volume/", _wide()).content.decode()
    assert "South Mall" not in page


def test_the_api_names_a_bad_filter(history):
    for params, field in (
        ({"start": "yesterday"}, "start"),
        ({"channel": "pigeon"}, "channel"),
        ({"team": "x"}, "team"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "start"),
    ):
        response = _api(history.admin).get("/api/reports/responsiveness", params)
        assert response.status_code == 400, params
        assert response.json()["detail"][0]["field"] == field


def test_one_formatter_writes_the_pages_and_the_digests_figures(history):
    assert show(None, "share") == "—"
    assert show(1234, "count") == "1,234"
    assert show(0.8764, "share") == "87.6 %"
    assert show(5400, "seconds") == "1h 30m"
    assert show(1.5, "ratio") == "1.50"
    assert show(12.34, "nps") == "+12.3"
    assert show(-3, "change") == "-3"
    # The page writes each headline the API gives through it (the digest does too).
    data = _api(history.admin).get("/api/reports/responsiveness", _wide()).json()
    body = _client(history.admin).get("/reports/responsiveness/", _wide()).content.decode()
    shown = [h for h in data["headlines"] if h["value"] is not None]
    assert {h["unit"] for h in shown} >= {"seconds", "share"}
    for headline in shown:
        assert show(headline["value"], headline["unit"]) in body, headline["key"]


def test_the_api_gives_the_pages_numbers(history):
    data = _api(history.admin).get("/api/reports/responsiveness", _wide()).json()
    keys = {h["key"] for h in data["headlines"]}
    assert "first_response_business_median" in keys and "response_target" in keys
    target = next(h for h in data["headlines"] if h["key"] == "response_target")
    assert target["low"] <= target["value"] <= target["high"]
    assert target["previous"] is not None
    promises = _api(history.admin).get("/api/reports/promises", _wide()).json()
    assert [t["name"] for t in promises["tables"]] == ["callbacks", "appointments"]
    names = [t["name"] for t in data["tables"]]
    assert names == ["first_response_distribution", "resolution_distribution", "waits", "backlog"]


def test_csv_holds_the_tables_numbers(history):
    today = timezone.localdate()
    start = today - timedelta(days=70)
    response = _client(history.admin).get(
        "/reports/volume/csv/", {"table": "by_channel_week", **_wide()}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    table = figures.volume(Filters(start, today, Scope(None)), "channel", "week")
    assert rows[0] == table.columns
    assert rows[1:] == [[str(v) for v in row] for row in table.rows]
    assert rows[-1][-1] == str(figures.new_conversations(Filters(start, today, Scope(None))).value)
    response = _client(history.admin).get(
        "/reports/responsiveness/csv/", {"table": "first_response_distribution"}
    )
    assert response.content.decode().splitlines()[0] == "Time,Business time,Wall time"
    missing = _client(history.admin).get("/reports/volume/csv/", {"table": "nothing"})
    assert missing.status_code == 404


def test_drill_down_lists_the_conversations_behind_a_number(history):
    client = _client(history.manager)
    wide = _wide()
    response = client.get(
        "/reports/conversations/", {**wide, "figure": "new", "by": "channel", "value": "email"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    today = timezone.localdate()
    f = Filters(today - timedelta(days=70), today, Scope.of(history.manager), channel="email")
    expected = figures.new_conversations(f).value
    assert body.count('class="row ') == expected > 0
    south = [c for c in history.conversations if c.location_id == history.south.pk]
    assert all(f'data-id="{c.pk}"' not in body for c in south)
    # Every number on the page links to its drill-down.
    page = client.get("/reports/responsiveness/", wide).content.decode()
    assert "/reports/conversations/?" in page


def test_promises_drill_down_and_csv(history):
    client = _client(history.admin)
    wide = _wide()
    response = client.get(
        "/reports/conversations/", {**wide, "figure": "appointments", "status": "attended"}
    )
    assert response.status_code == 200
    today = timezone.localdate()
    f = Filters(today - timedelta(days=70), today, Scope(None))
    shown = {h.key: h for h in figures.promises_headlines(f)}
    attended = shown["appointments_attended"]
    assert response.content.decode().count('class="row ') == round(attended.value * attended.n)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    "/reports/promises/csv/", {"table": "callbacks", **wide}
                ).content.decode()
            )
        )
    )
    assert rows[0] == ["Reason", "Callbacks", "Still open", "Reached", "Never connected"]
    assert sum(int(r[1]) for r in rows[1:]) == figures.callbacks(f).count()


def test_pages_without_any_conversation(admin):
    client = _client(admin)
    for url in ("/reports/volume/", "/reports/responsiveness/", "/reports/promises/", SAY):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "n = 0" in response.content.decode()


def test_someone_who_serves_no_location_sees_nothing(history):
    from helpline.core.models import Role, User

    nowhere = User.objects.create_user("nick", "nick@shop.test", "pw", role=Role.MANAGER)
    for url in ("/reports/volume/", "/reports/responsiveness/", "/reports/promises/", SAY):
        response = _client(nowhere).get(url, _wide())
        assert response.status_code == 200, url
        assert "n = 0" in response.content.decode()


def _in_zone_of(user, request) -> None:
    """Compute as the pages do: in the viewer's time zone (the desk's middleware activates it),
    so that a week's bucket is the same here and there whatever the hour the test runs."""
    timezone.activate(user.zone())
    request.addfinalizer(timezone.deactivate)


def test_what_customers_say_page_api_csv_and_drill_downs(history, voice, request):
    _in_zone_of(history.manager, request)
    client = _client(history.manager)
    wide = _wide()
    today = timezone.localdate()
    f = Filters(today - timedelta(days=70), today, Scope.of(history.manager))
    response = client.get(SAY, wide)
    assert response.status_code == 200
    body = response.content.decode()
    headlines = figures.say_headlines(f)
    for figure in headlines:
        assert f'id="headline-{figure.key}"' in body, figure.key
    assert body.count("How is this computed?") >= len(headlines)
    assert body.count("data:image/svg+xml;base64,") >= 6  # the trends' charts
    assert 'aria-current="page">What customers say</a>' in body
    assert "South Mall" not in body  # the manager's location only
    nps = next(h for h in headlines if h.key == "nps")
    assert f"{nps.value:+.1f}" in body and f"{nps.low:+.1f} to {nps.high:+.1f}" in body

    # The API: the same numbers, the manager's scope too.
    data = _api(history.manager).get("/api/reports/say", wide).json()
    assert [(h["key"], h["value"], h["n"], h["low"]) for h in data["headlines"]] == [
        (h.key, h.value, h.n, h.low) for h in headlines
    ]
    assert all(h["previous"] is not None for h in data["headlines"])
    tables = figures.say_tables(f)
    assert [t["name"] for t in data["tables"]] == [t.name for t in tables]
    assert data["tables"][0]["units"][3] == "share"

    # Every table as CSV: its own numbers.
    for table in tables:
        response = client.get(f"{SAY}csv/", {"table": table.name, **wide})
        assert response.status_code == 200, table.name
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == table.columns
        assert rows[1:] == [["" if v is None else str(v) for v in row] for row in table.rows]

    # Drill-downs: the conversations behind the promoters, a theme and the recovery rate.
    for what in (
        {"figure": "nps", "value": "promoter"},
        {"figure": "theme", "value": str(voice.themes[0].pk)},
        {"figure": "recovery"},
        {"figure": "sentiment", "value": "negative"},
        {"figure": "response_rate", "value": "answered"},
    ):
        response = client.get("/reports/conversations/", {**wide, **what})
        assert response.status_code == 200, what
        expected = set(figures.drill(f, what).values_list("conversation_id", flat=True))
        shown = response.content.decode().count('class="row ')
        assert shown == len(expected) > 0, what
    recovery = next(h for h in headlines if h.key == "recovery")
    response = client.get("/reports/conversations/", {**wide, "figure": "recovery"})
    assert response.content.decode().count('class="row ') == recovery.n
    promoters = client.get(
        "/reports/conversations/", {**wide, "figure": "nps", "value": "promoter"}
    )
    nps_table = next(t for t in tables if t.name == "nps_trend")
    assert promoters.content.decode().count('class="row ') == nps_table.rows[-1][2]
    # A theme's count in the previous period links to that period's conversations: the
    # link repeats the dates after the page's own, and the last of each wins.
    month = Filters(today - timedelta(days=27), today, f.scope)  # one before it in the data
    themes = next(t for t in figures.say_tables(month) if t.name == "themes")
    earlier = themes.drills[0][2]
    assert earlier["start"] == month.previous().start.isoformat()
    shown = {"start": month.start.isoformat(), "end": month.end.isoformat()}
    url = f"/reports/conversations/?{urlencode(shown)}&{urlencode(earlier)}"
    drilled = figures.drill(month.previous(), earlier)
    expected = set(drilled.values_list("conversation_id", flat=True))
    assert client.get(url).content.decode().count('class="row ') == len(expected) > 0
    # A theme that is not a number is no figure.
    response = client.get("/reports/conversations/", {**wide, "figure": "theme", "value": "x"})
    assert response.status_code == 404


def test_what_customers_say_for_an_agent_and_a_bad_filter(history, voice, request):
    _in_zone_of(history.nora, request)
    today = timezone.localdate()
    own = Filters(today - timedelta(days=70), today, Scope.of(history.nora))
    data = _api(history.nora).get("/api/reports/say", _wide()).json()
    assert [h["n"] for h in data["headlines"]] == [h.n for h in figures.say_headlines(own)]
    everyone = figures.say_headlines(Filters(own.start, own.end, Scope(None)))
    assert sum(h["n"] for h in data["headlines"]) < sum(h.n for h in everyone)
    response = _api(history.admin).get("/api/reports/say", {"channel": "pigeon"})
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "channel"
