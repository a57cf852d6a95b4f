"""/api/reports/perception and /api/self-assessments: the perception gap and one's own
self-assessments, with the desk's rules (helpline.desk.views.perception): a team's or a
location's gap only for those who may see it (404 otherwise), the staff's estimates only
from three answers up, and nobody's answers but one's own."""

from datetime import date

from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from helpline.api.errors import FieldError
from helpline.api.reports import ERRORS, FigureOut, _figure
from helpline.reports import actions, guardrails, perception
from helpline.reports.figures import Filters, Scope
from helpline.reports.forms import SelfAssessmentForm
from helpline.reports.models import SelfAssessment

router = Router(tags=["reports"])


class GapOut(Schema):
    dimension: str
    label: str
    unit: str = Field(description='"share" (estimates in %) or "hours"')
    estimate: float | None = Field(description="The staff's median estimate; null below 3 answers")
    rating: float | None = Field(description="The staff's median self-rating, 1–5")
    measured: float | None = Field(description="The customers' figure in the estimate's unit")
    gap: float | None = Field(description="How much better we think it is, relative; > 0 flatters")
    sentence: str
    figure: FigureOut


class CalibrationOut(Schema):
    by: str = Field(description='"agent" (yours only, for an agent), "team" or "location"')
    name: str
    over_confidence: float | None = Field(description="Mean predicted less mean actual score")
    n: int


class FlagOut(Schema):
    key: str
    title: str
    count: int


class PerceptionOut(Schema):
    group: str
    team: int | None
    location: int | None
    start: date
    end: date
    answers: int
    shown: bool = Field(description="At least 3 people answered, so estimates are shown")
    largest: str | None = Field(description="The dimension with the largest gap")
    gaps: list[GapOut]
    calibration: list[CalibrationOut]
    flags: list[FlagOut] = Field(description="Guardrails on flattering numbers")


class SelfAssessmentIO(Schema):
    csat_share: float
    first_reply_hours: float
    callback_reach_share: float
    first_contact_share: float
    recovery_share: float
    rating_responsiveness: int
    rating_promises: int
    rating_first_time: int
    rating_courtesy: int
    rating_recovery: int


class SelfAssessmentOut(SelfAssessmentIO):
    period_start: date
    period_end: date
    team: int | None = Field(None, alias="team_id")


def _id(request, name: str) -> int | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise FieldError(name, "Give a whole number (an id).") from exc


@router.get("/reports/perception", response={200: PerceptionOut, **ERRORS})
def report_perception(request):
    """The gap for a team (?team=) or location (?location=) in the period containing
    ?period= (YYYY-MM-DD; today by default); the largest gap first."""
    teams, locations = perception.groups_for(request.auth)
    team_id, location_id = _id(request, "team"), _id(request, "location")
    team = location = None
    if team_id is not None:
        team = next((t for t in teams if t.pk == team_id), None)
        if team is None:
            raise Http404("No such team")
    elif location_id is not None:
        location = next((loc for loc in locations if loc.pk == location_id), None)
        if location is None:
            raise Http404("No such location")
    elif teams:
        team = teams[0]
    elif locations:
        location = locations[0]
    try:
        day = date.fromisoformat(request.GET.get("period") or timezone.localdate().isoformat())
    except ValueError as exc:
        raise FieldError("period", "Give a day as YYYY-MM-DD.") from exc
    start, end = perception.period_of(day)
    if team is None and location is None:  # in no team yet: nothing to compare
        return {
            "group": "",
            "team": None,
            "location": None,
            "start": start,
            "end": end,
            "answers": 0,
            "shown": False,
            "largest": None,
            "gaps": [],
            "calibration": [],
            "flags": [],
        }
    group = perception.gap(start, end, Scope(None), team, location)
    f = Filters(start=start, end=end, scope=Scope(None), team=team, location=location)
    calibration = perception.calibration(f, request.auth)
    largest = group.largest if group.shown else None
    return {
        "group": group.name,
        "team": team.pk if team else None,
        "location": location.pk if location else None,
        "start": start,
        "end": end,
        "answers": group.answers,
        "shown": group.shown,
        "largest": largest.dimension.key if largest else None,
        "gaps": [
            {
                "dimension": g.dimension.key,
                "label": g.dimension.label,
                "unit": g.dimension.unit,
                "estimate": g.estimate,
                "rating": g.rating,
                "measured": g.measured,
                "gap": g.size,
                "sentence": g.sentence(),
                "figure": _figure(g.figure),
            }
            for g in group.ordered()
        ],
        "calibration": [
            {"by": by, "name": c.name, "over_confidence": c.over_confidence, "n": c.n}
            for by, rows in calibration.items()
            for c in rows
        ],
        "flags": [
            {"key": flag.key, "title": flag.title, "count": flag.count}
            for flag in guardrails.flags(f)
        ],
    }


@router.get("/self-assessments", response={200: list[SelfAssessmentOut], **ERRORS})
def my_self_assessments(request):
    """Your own self-assessments, the latest period first (nobody else's, ever)."""
    return list(SelfAssessment.objects.filter(user=request.auth).order_by("-period_start"))


@router.post("/self-assessments", response={201: SelfAssessmentOut, **ERRORS})
def answer_self_assessment(request, payload: SelfAssessmentIO):
    """Answer (or change) your self-assessment for the current period."""
    form = SelfAssessmentForm(payload.dict())
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise FieldError(None if field == "__all__" else field, str(errors[0]))
    return Status(
        201, actions.answer_self_assessment(request.auth, form.cleaned_data, timezone.localdate())
    )
