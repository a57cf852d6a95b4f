"""Reports in the desk: volume and responsiveness, each figure with its count, its
definition and a link to the conversations behind it; a CSV of every table.

The figures come from helpline.reports.figures (the API shows the same); the filter is
helpline.reports.forms, scoped to what the viewer may see (an agent: their own).
"""

import csv
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from helpline.conversations.models import Conversation
from helpline.desk.inbox import ROW_VALUES, _rows
from helpline.desk.times import format_day
from helpline.reports import charts, figures
from helpline.reports.formats import show
from helpline.reports.forms import ReportFilterForm

DRILL_ROWS = 200
PAGES = figures.REPORTS


@dataclass
class Cell:
    text: str
    href: str = ""
    header: bool = False
    level: int | None = None  # a heat map cell's shade, 0–5
    label: str = ""  # its column, shown beside it on a phone


def _form(request) -> ReportFilterForm:
    form = ReportFilterForm(request.user, request.GET)
    form.is_valid()
    return form


def _drill_href(form: ReportFilterForm, what: dict | None) -> str:
    if not what:
        return ""
    # Thousands of cells on a heat map: the prefix and the filters' part once per form.
    prefix = getattr(form, "_drill_prefix", None)
    if prefix is None:
        query = form.query_string()
        prefix = f"{reverse('desk:reports-conversations')}?{query + '&' if query else ''}"
        form._drill_prefix = prefix  # type: ignore[attr-defined]
    return prefix + urlencode([(k, v) for k, v in what.items() if v is not None])


def _row_name(value) -> str:
    """A row's first cell: a day (or a week's Monday) as the desk writes days."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return format_day(date.fromisoformat(value))
        except ValueError:
            pass
    return str(value)


def _cells(form, table: figures.Table) -> list[list[Cell]]:
    rows = []
    for r, row in enumerate(table.rows):
        drills = table.drills[r] if table.drills else [None] * len(row)
        cells = []
        for c, value in enumerate(row):
            if c == 0:
                cells.append(Cell(_row_name(value), header=True))
                continue
            unit = table.units[c] if table.units else table.unit
            if unit == "mixed":  # the waits table: a count, then times
                unit = "count" if c == 1 else "seconds"
            cells.append(
                Cell(show(value, unit), _drill_href(form, drills[c]), label=str(table.columns[c]))
            )
        rows.append(cells)
    return rows


def _shown(form, table: figures.Table, page: str, chart: str = "") -> dict:
    query = form.query_string()
    csv_href = f"{reverse('desk:reports-csv', args=[page])}?{urlencode({'table': table.name})}"
    return {
        "table": table,
        "rows": _cells(form, table),
        "chart": chart,
        "csv": csv_href + (f"&{query}" if query else ""),
    }


def _headline(form, figure: figures.Figure) -> dict:
    interval = ""
    if figure.low is not None and figure.unit == "nps":
        interval = f"{figure.low:+.1f} to {figure.high:+.1f}"
    elif figure.low is not None:
        interval = f"{figure.low * 100:.1f}–{figure.high * 100:.1f} %"
    previous = figure.previous
    return {
        "figure": figure,
        "text": show(figure.value, figure.unit),
        "interval": interval,
        "previous": show(previous.value, previous.unit) if previous else "",
        "previous_n": previous.n if previous else None,
        "href": _drill_href(form, figure.drill),
    }


def _volume_chart(table: figures.Table) -> str:
    """Stacked bars per day or week; the seven biggest series and "Other" (the palette
    keeps eight colours apart, for any colour vision); the table has them all."""
    rows = table.rows[:-1]  # not the total
    names = table.columns[1:-1]
    totals = table.rows[-1][1:-1]
    biggest = sorted(range(len(names)), key=lambda i: -totals[i])
    shown = sorted(biggest[:7]) if len(names) > 8 else list(range(len(names)))
    series = {names[i]: [row[i + 1] for row in rows] for i in shown}
    rest = [i for i in range(len(names)) if i not in shown]
    if rest:
        series["Other"] = [sum(row[i + 1] for i in rest) for row in rows]
    # Short axis labels, "8 Nov": each row's full day is in the table below.
    labels = [date.fromisoformat(row[0]).strftime("%-d %b") for row in rows]
    return charts.stacked_bars(table.title, labels, series, "Conversations")


def _distribution_chart(table: figures.Table) -> str:
    labels = [row[0] for row in table.rows]
    series = {
        "Business time": [row[1] for row in table.rows],
        "Wall time": [row[2] for row in table.rows],
    }
    return charts.bars(table.title, labels, series, "Conversations")


def _backlog_chart(table: figures.Table) -> str:
    return charts.bars(
        table.title,
        [row[0] for row in table.rows],
        {"Open": [row[1] for row in table.rows]},
        "Conversations",
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def volume(request):
    form = _form(request)
    f = form.filters()
    tables = figures.tables_of("volume", f)
    shown = [
        _shown(form, t, "volume", _volume_chart(t)) for t in tables if t.name.startswith("by_")
    ]
    heat = [_shown(form, t, "volume") for t in tables if t.name.startswith("heat_")]
    for item in heat:  # shade each cell by its share of the busiest hour
        peak = max((v for row in item["table"].rows for v in row[1:]), default=0) or 1
        for row, values in zip(item["rows"], item["table"].rows, strict=True):
            for cell, value in zip(row[1:], values[1:], strict=True):
                cell.level = min(5, round(5 * value / peak))
    headlines = figures.headlines_of("volume", f)
    return _render(request, "volume", form, f, headlines, shown, heat=heat)


@login_required
@require_http_methods(["GET", "HEAD"])
def responsiveness(request):
    form = _form(request)
    f = form.filters()
    first, resolution, waits, backlog = figures.tables_of("responsiveness", f)
    shown = [
        _shown(form, first, "responsiveness", _distribution_chart(first)),
        _shown(form, resolution, "responsiveness", _distribution_chart(resolution)),
        _shown(form, waits, "responsiveness"),
        _shown(form, backlog, "responsiveness", _backlog_chart(backlog)),
    ]
    headlines = figures.headlines_of("responsiveness", f)
    return _render(request, "responsiveness", form, f, headlines, shown)


@login_required
@require_http_methods(["GET", "HEAD"])
def promises(request):
    form = _form(request)
    f = form.filters()
    callbacks, appointments = figures.tables_of("promises", f)
    outcomes = {
        column: [row[c + 1] for row in appointments.rows]
        for c, column in enumerate(appointments.columns[1:])
    }
    chart = charts.stacked_bars(
        appointments.title, [row[0] for row in appointments.rows], outcomes, "Appointments"
    )
    shown = [
        _shown(form, callbacks, "promises"),
        _shown(form, appointments, "promises", chart),
    ]
    headlines = figures.headlines_of("promises", f)
    return _render(request, "promises", form, f, headlines, shown)


def _render(request, page, form, f, headlines, shown, **more):
    query = form.query_string()
    tabs = [
        (name, reverse(f"desk:reports-{slug}") + (f"?{query}" if query else ""), slug == page)
        for slug, name in PAGES.items()
    ]
    context = {
        "nav": "reports",
        "page": page,
        "pages": PAGES,
        "tabs": tabs,
        "form": form,
        "filters": f,
        "previous": f.previous(),
        "headlines": [_headline(form, figure) for figure in headlines],
        "shown": shown,
        "agent_only": f.scope.agent_id is not None,
        "query": form.query_string(),
        **more,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "desk/reports/page.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def drill_down(request):
    """The conversations behind a number, in the inbox's rows (the latest first)."""
    form = _form(request)
    f = form.filters()
    what = {
        k: request.GET.get(k, "")
        for k in (
            "status",
            "kind",
            "reason",
            "open",
            "reached",
            "figure",
            "day",
            "week",
            "by",
            "value",
            "clock",
            "bucket",
            "met",
            "location_id",
            "weekday",
            "hour",
            "channel",
        )
    }
    try:
        ids = figures.drill(f, what)
    except (ValueError, IndexError, KeyError) as exc:
        raise Http404("No such figure") from exc
    found = list(
        Conversation.objects.visible_to(request.user)
        .filter(pk__in=Subquery(ids))
        .order_by("-last_message_at", "-id")
        .values_list(*ROW_VALUES)[: DRILL_ROWS + 1]
    )
    context = {
        "nav": "reports",
        "form": form,
        "filters": f,
        "rows": _rows(found[:DRILL_ROWS]),
        "more": len(found) > DRILL_ROWS,
        "figure": figures.DEFINITIONS.get(what["figure"] or "new", ""),
        "now": timezone.now(),
        "conversation_url": reverse("desk:conversation", args=[0]).removesuffix("0/"),
        "query": form.query_string(),
    }
    return render(request, "desk/reports/conversations.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def table_csv(request, page: str):
    if page not in PAGES:
        raise Http404("No such report")
    form = _form(request)
    f = form.filters()
    name = request.GET.get("table", "")
    table = next((t for t in figures.tables_of(page, f) if t.name == name), None)
    if table is None:
        raise Http404("No such table")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{page}-{table.name}-{f.start.isoformat()}-{f.end.isoformat()}.csv"'
    )
    write_csv(response, table)
    return response


def write_csv(out, table: figures.Table) -> None:
    """The table's own numbers: counts as counts, times in whole seconds, shares 0–1."""
    writer = csv.writer(out)
    columns = list(table.columns)
    if table.unit in ("seconds", "mixed"):
        columns = [
            c if i == 0 or (table.unit == "mixed" and i == 1) else f"{c} (seconds)"
            for i, c in enumerate(columns)
        ]
    writer.writerow(columns)
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])


urlpatterns = [
    path("reports/volume/", volume, name="reports-volume"),
    path("reports/responsiveness/", responsiveness, name="reports-responsiveness"),
    path("reports/promises/", promises, name="reports-promises"),
    path("reports/conversations/", drill_down, name="reports-conversations"),
    path("reports/<slug:page>/csv/", table_csv, name="reports-csv"),
]
