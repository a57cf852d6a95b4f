"""The "What customers say" report: survey scores (CSAT, NPS, CES) and the response rate,
the sentiment and themes of the customers' own words, and the bad experiences won back.

The figures are helpline.reports.figures' (the API shows the same); the page is the other
reports' page, with a chart above each trend table.
"""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.decorators.http import require_http_methods

from helpline.desk.views.reports import _form, _render, _shown
from helpline.reports import charts, figures

PERCENT = (0, 100)


def _labels(table: figures.Table) -> list[str]:
    """Short axis labels, "8 Nov", of a trend's days or weeks (not its total)."""
    return [date.fromisoformat(row[0]).strftime("%-d %b") for row in table.rows[:-1]]


def _percent(values) -> list:
    return [None if v is None else round(100 * v, 1) for v in values]


def _column(table: figures.Table, name: str) -> list:
    c = table.columns.index(name)
    return [row[c] for row in table.rows[:-1]]


def chart(table: figures.Table) -> str:
    """The chart above a table of this page (none for the top themes, whose names are long,
    nor for the recovery outcomes: their tables say it)."""
    name = table.name
    if name == "csat_trend":
        series = {"CSAT: rated 4 or 5 (%)": _percent(_column(table, "CSAT"))}
        return charts.lines(table.title, _labels(table), series, "%", PERCENT)
    if name == "nps_trend":
        series = {"NPS": _column(table, "NPS")}
        return charts.lines(table.title, _labels(table), series, "NPS", (-100, 100))
    if name == "ces_trend":
        series = {"Found it easy (%)": _percent(_column(table, "Easy"))}
        return charts.lines(table.title, _labels(table), series, "%", PERCENT)
    if name == "response_rate_trend":
        series = {"Answered (%)": _percent(_column(table, "Response rate"))}
        return charts.lines(table.title, _labels(table), series, "%", PERCENT)
    if name == "sentiment_trend":
        series = {
            band: [v or 0 for v in _percent(_column(table, band))]
            for band in ("Negative", "Neutral", "Positive")
        }
        if not any(_column(table, "Messages (n)")):
            return ""
        return charts.stacked_bars(table.title, _labels(table), series, "% of messages")
    if name == "themes_trend":  # the top themes' lines ("other themes" would dwarf them)
        series = {column: _column(table, column) for column in table.columns[1:-2]}
        if not table.rows[-1][-1]:
            return ""
        return charts.lines(table.title, _labels(table), series, "Texts", legend_columns=2)
    return ""


@login_required
@require_http_methods(["GET", "HEAD"])
def say(request):
    form = _form(request)
    f = form.filters()
    shown = [_shown(form, t, "say", chart(t)) for t in figures.tables_of("say", f)]
    headlines = figures.headlines_of("say", f)
    return _render(request, "say", form, f, headlines, shown)


urlpatterns = [path("reports/say/", say, name="reports-say")]
