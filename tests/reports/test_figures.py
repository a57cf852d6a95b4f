"""Every figure equals an independent recomputation from the base tables (plain SQL, not
the facts), for the whole desk and under each filter and viewer's scope."""

from datetime import date, timedelta

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


def _share(k, n):
    return k / n if n else None


def test_what_customers_say_equals_the_plain_sql_recomputation(history, voice):
    """Every figure and table of "What customers say", under every filter and viewer."""
    from collections import Counter

    from pytest import approx

    checked = Counter()
    today = timezone.localdate()
    variants = _variants(history)  # by week; and by day:
    variants["all, 10 days"] = Filters(today - timedelta(days=9), today, Scope(None))
    for name, f in variants.items():
        want = independent.say(f)
        got = {h.key: h for h in figures.say_headlines(f)}
        answers = want["answers"]
        csat = answers[("csat", "total")]
        assert got["csat_good"].n == len(csat), name
        assert got["csat_good"].value == _share(sum(s >= 4 for s in csat), len(csat)), name
        scores = answers[("nps", "total")]
        assert got["nps"].n == len(scores), name
        assert (got["nps"].value, got["nps"].low, got["nps"].high) == approx(
            independent.nps(scores)
        ), name
        ces = answers[("ces", "total")]
        assert got["ces"].n == len(ces), name
        assert got["ces"].value == _share(sum(s >= 5 for s in ces), len(ces)), name
        sent, answered = want["sent"]["total"]
        assert (got["response_rate"].n, got["response_rate"].value) == (
            sent,
            _share(answered, sent),
        ), name
        bands = want["sentiment"]["total"]
        scored = sum(bands.values())
        assert got["negative_messages"].n == scored, name
        assert got["negative_messages"].value == _share(bands["negative"], scored), name
        outcomes = want["recovery"]
        decided = outcomes["recovered"] + outcomes["not_recovered"]
        assert got["recovery"].n == decided, name
        assert got["recovery"].value == _share(outcomes["recovered"], decided), name
        for figure in got.values():
            if figure.n:
                assert figure.low <= figure.value <= figure.high, (name, figure.key)

        tables = {t.name: t for t in figures.say_tables(f)}
        for kind in ("csat", "nps", "ces"):
            for row in tables[f"{kind}_trend"].rows:
                key = "total" if row[0] == "Total" else date.fromisoformat(row[0])
                scores = answers.get((kind, key), [])
                n = len(scores)
                assert row[1] == n, (name, kind, row)
                assert row[-1] == ("fewer than 30" if n < 30 else "")
                if kind == "nps":
                    promoters = sum(s >= 9 for s in scores)
                    detractors = sum(s <= 6 for s in scores)
                    assert row[2:4] == [promoters, detractors]
                    value, low, high = independent.nps(scores)
                    assert row[4:7] == approx([value, low, high]) if n else row[4:7] == [None] * 3
                else:
                    good = sum(s >= (4 if kind == "csat" else 5) for s in scores)
                    assert row[2:4] == [good, _share(good, n)], (name, kind, row)
                    if kind == "ces":
                        assert row[6] == (round(sum(scores) / n, 2) if n else None)
                checked[kind] += n
        for row in tables["response_rate_trend"].rows:
            key = "total" if row[0] == "Total" else date.fromisoformat(row[0])
            sent, answered = want["sent"].get(key, (0, 0))
            assert row[1:4] == [sent, answered, _share(answered, sent)], (name, row)
            checked["sent"] += sent
        for row in tables["sentiment_trend"].rows:
            key = "total" if row[0] == "Total" else date.fromisoformat(row[0])
            bands = want["sentiment"].get(key, Counter())
            n = sum(bands.values())
            assert row[1] == n, (name, row)
            assert row[2:5] == [_share(bands[b], n) for b in ("negative", "neutral", "positive")]
            checked["messages"] += n
        names = {t.pk: t.name for t in voice.themes}
        top = tables["themes"]
        before = independent.say(f.previous())["themes"]
        assert {row[0]: row[1:] for row in top.rows} == {
            names[t]: [n, before[t], n - before[t]] for t, n in want["themes"].items()
        }, name
        assert voice.merged.name not in {row[0] for row in top.rows}
        trend = tables["themes_trend"]
        by_name = {v: k for k, v in names.items()}
        for row in trend.rows[:-1]:
            day = date.fromisoformat(row[0])
            for column, n in zip(trend.columns[1:-2], row[1:-2], strict=True):
                assert n == want["themes_trend"][(day, by_name[column])], (name, row)
            assert row[-1] == sum(n for (d, _), n in want["themes_trend"].items() if d == day)
        assert trend.rows[-1][-1] == sum(want["themes"].values())
        assert [row[1] for row in tables["recovery_outcomes"].rows] == [
            outcomes[o] for o in ("recovered", "not_recovered", "unknown", "waiting")
        ], name
        checked["themes"] += sum(want["themes"].values())
    assert min(checked.values()) > 30, checked  # the filters leave something to compare
