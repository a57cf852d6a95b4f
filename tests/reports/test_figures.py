"""Every figure equals an independent recomputation from the base tables (plain SQL, not
the facts), for the whole desk and under each filter and viewer's scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.reports import figures
from helpline.reports.figures import Filters, Scope
from tests.reports import independent

pytestmark = pytest.mark.django_db


def _variants(h):
    today = timezone.localdate()
    everything = Scope(None)
    start = today - timedelta(days=27)
    wide = today - timedelta(days=70)
    return {
        "all, 28 days": Filters(start, today, everything),
        "all, 71 days": Filters(wide, today, everything),
        "North Street": Filters(wide, today, everything, location=h.north),
        "email": Filters(wide, today, everything, channel="email"),
        "team": Filters(wide, today, everything, team=h.team),
        "agent": Filters(wide, today, everything, agent=h.nora),
        "tag": Filters(wide, today, everything, tag="refund"),
        "manager": Filters(wide, today, Scope.of(h.manager)),
        "agent's own": Filters(wide, today, Scope.of(h.sam)),
    }


def test_every_figure_equals_the_plain_sql_recomputation(history):
    now = timezone.now()
    checked = 0
    for name, f in _variants(history).items():
        want = independent.expected(f, now)
        assert figures.new_conversations(f).value == want["new"], name
        table = figures.volume(f, "channel", "day")
        got = {}
        for row in table.rows[:-1]:
            for column, value in zip(table.columns[1:-1], row[1:-1], strict=True):
                if value:
                    got[(row[0], column)] = value
        labels = figures.CHANNEL_LABELS
        assert got == {(d, str(labels[c])): n for (d, c), n in want["by_channel_day"].items()}, name
        assert table.rows[-1][-1] == want["new"]
        heat = {}
        for t in figures.heat_map(f):
            location = t.name.removeprefix("heat_")
            for weekday, row in enumerate(t.rows):
                for hour, n in enumerate(row[1:]):
                    if n:
                        heat[(None if location == "none" else int(location), weekday, hour)] = n
        assert heat == dict(want["heat"]), name
        for measure in ("first_response", "resolution"):
            by_key = {x.key: x for x in figures.time_figures(f, measure)}
            distribution = figures.distribution(f, measure)
            for c, clock in enumerate(("business", "wall")):
                n, median, p90 = want[f"{measure}_{clock}"]
                assert by_key[f"{measure}_{clock}_median"].value == median, (name, measure)
                assert by_key[f"{measure}_{clock}_p90"].value == p90, (name, measure)
                assert by_key[f"{measure}_{clock}_median"].n == n
                assert [row[c + 1] for row in distribution.rows] == want[
                    f"{measure}_{clock}_buckets"
                ]
        for target in ("response", "resolution"):
            figure = figures.attainment(f, target)
            k, n = want[f"{target}_target"]
            assert figure.n == n, (name, target)
            assert figure.value == (k / n if n else None)
            if n:
                assert figure.low <= figure.value <= figure.high
        waits = {row[0]: tuple(row[1:]) for row in figures.waits(f).rows}
        assert waits == {str(figures.CHANNEL_LABELS[c]): v for c, v in want["waits"].items()}, name
        assert [row[1] for row in figures.backlog(f, now).rows] == want["backlog"], name
        checked += want["new"]
    assert checked > 100  # the generated history is not empty under the filters


def test_nearest_rank_percentiles():
    assert figures.nearest_rank([1, 2, 3, 4], 50) == 2
    assert figures.nearest_rank([1, 2, 3, 4, 5], 50) == 3
    assert figures.nearest_rank(list(range(1, 11)), 90) == 9
    assert figures.nearest_rank(list(range(1, 12)), 90) == 10
    assert figures.nearest_rank([7], 90) == 7
    assert figures.nearest_rank([], 50) is None


def test_wilson_interval():
    low, high = figures.wilson(8, 10)
    assert round(low, 3) == 0.490 and round(high, 3) == 0.943
    assert figures.wilson(0, 0) == (None, None)
    assert figures.wilson(0, 5)[0] == 0.0


def test_a_figure_from_few_cases_says_so(history):
    today = timezone.localdate()
    f = Filters(today, today, Scope(None))
    figure = figures.new_conversations(f)
    assert figure.few is (figure.n < 30)
    f = Filters(today - timedelta(days=70), today, Scope(None))
    assert figures.new_conversations(f).few is False


def test_promise_figures_equal_the_plain_sql_recomputation(history):
    checked = 0
    for name, f in _variants(history).items():
        if f.channel or f.team:
            continue  # promises filter those through their conversation, as checked below
        want = independent.promises(f)
        got = {x.key: (x.value, x.n) for x in figures.promises_headlines(f)}
        assert got == want, name
        checked += want["appointments_booked"][1]
    assert checked > 20
