"""/api/reports: the figures of the desk's reports, with the same filters and numbers.

Query parameters: start, end (YYYY-MM-DD; the last 28 days by default), location, team,
agent (ids), channel, tag (a name). Everyone signed in may read, within what they may see:
admins everything, managers their locations, agents their own conversations. A bad filter
is a 400 naming its field.
"""

from datetime import date

from ninja import Field, Router, Schema

from helpline.api.errors import FieldError
from helpline.api.schemas import ErrorOut
from helpline.reports import figures
from helpline.reports.forms import ReportFilterForm

router = Router(tags=["reports"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class FigureOut(Schema):
    key: str
    label: str
    value: float | None = Field(
        description="seconds, a count, a share from 0 to 1, or an NPS from -100 to 100"
    )
    unit: str = Field(description='"seconds", "count", "share", "ratio" or "nps"')
    n: int = Field(description="How many cases stand behind it")
    few: bool = Field(description="Fewer than 30 cases")
    low: float | None = Field(
        None, description="95% interval (Wilson of a share; normal approximation of an NPS): from"
    )
    high: float | None = Field(None, description="… to")
    definition: str
    previous: "FigureOut | None" = Field(None, description="The period of the same length before")


class TableOut(Schema):
    name: str
    title: str
    unit: str
    columns: list[str]
    rows: list[list[str | float | int | None]]
    definition: str
    units: list[str] = Field(
        default_factory=list, description='Each column\'s unit when the unit is "columns"'
    )


class ReportOut(Schema):
    report: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    headlines: list[FigureOut]
    tables: list[TableOut]


def _filters(request) -> figures.Filters:
    form = ReportFilterForm(request.auth, request.GET)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise FieldError(None if field == "__all__" else field, errors[0])
    return form.filters()


def _figure(figure: figures.Figure) -> dict:
    return {
        "key": figure.key,
        "label": figure.label,
        "value": figure.value,
        "unit": figure.unit,
        "n": figure.n,
        "few": figure.few,
        "low": figure.low,
        "high": figure.high,
        "definition": figure.definition,
        "previous": _figure(figure.previous) if figure.previous else None,
    }


def _report(request, report: str) -> dict:
    f = _filters(request)
    previous = f.previous()
    return {
        "report": report,
        "start": f.start,
        "end": f.end,
        "previous_start": previous.start,
        "previous_end": previous.end,
        "headlines": [_figure(h) for h in figures.headlines_of(report, f)],
        "tables": [
            {
                "name": t.name,
                "title": t.title,
                "unit": t.unit,
                "columns": t.columns,
                "rows": t.rows,
                "definition": t.definition,
                "units": t.units,
            }
            for t in figures.tables_of(report, f)
        ],
    }


@router.get("/reports/volume", response={200: ReportOut, **ERRORS})
def report_volume(request):
    """New conversations by channel, location and team per day (per week past 62 days), and
    when they begin (weekday × hour in each location's zone)."""
    return _report(request, "volume")


@router.get("/reports/responsiveness", response={200: ReportOut, **ERRORS})
def report_responsiveness(request):
    """First response and resolution times (median and 90th percentile, business and wall
    time, their distribution), service level attainment, waits of calls and walk-ins, and
    the backlog by age."""
    return _report(request, "responsiveness")


@router.get("/reports/promises", response={200: ReportOut, **ERRORS})
def report_promises(request):
    """Callbacks (time to the first try, reach rate, tries per reach, never connected) and
    appointments (booked, attended, missed by the customer, missed by us)."""
    return _report(request, "promises")


@router.get("/reports/say", response={200: ReportOut, **ERRORS})
def report_say(request):
    """What customers say: CSAT, NPS and CES (with their 95% intervals) and the survey
    response rate, the sentiment of the customers' messages, the top themes against the
    previous period, and the recovery rate, each with its trend per day or week."""
    return _report(request, "say")
