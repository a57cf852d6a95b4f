"""The perception gap in the desk: each person's self-assessment of their team, and the
candor page that sets the team's estimates beside what customers measured.

Estimates and figures come from helpline.reports.perception; answers are saved through
helpline.reports.actions. Nobody sees a colleague's answer: only groups of three or more.
"""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from helpline.reports import actions, charts, guardrails, perception
from helpline.reports.figures import Filters, Scope
from helpline.reports.forms import SelfAssessmentForm
from helpline.reports.models import SelfAssessment


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def self_assessment(request):
    today = timezone.localdate()
    start, end = perception.period_of(today)
    mine = SelfAssessment.objects.filter(user=request.user, period_start=start).first()
    form = SelfAssessmentForm(request.POST or None, instance=mine)
    if request.method == "POST" and form.is_valid():
        actions.answer_self_assessment(request.user, form.cleaned_data, today)
        return redirect("desk:self-assessment")
    context = {
        "nav": "candor",
        "form": form,
        "start": start,
        "end": end,
        "answered": mine is not None,
        "team": perception.team_of(request.user),
        "history": SelfAssessment.objects.filter(user=request.user).order_by("-period_start")[:12],
    }
    return render(request, "desk/reports/self_assessment.html", context, status=200)


def _chosen(request, teams, locations):
    """The group asked for (?team= or ?location=), 404 unless the viewer may see it."""
    for name, allowed in (("team", teams), ("location", locations)):
        raw = request.GET.get(name)
        if raw:
            found = next((g for g in allowed if str(g.pk) == raw), None)
            if found is None:
                raise Http404(f"No such {name}")
            return (found, None) if name == "team" else (None, found)
    if teams:
        return teams[0], None
    if locations:
        return None, locations[0]
    return None, None


def _gap_of(group, key: str):
    return next(g for g in group.gaps if g.dimension.key == key)


def _group_query(group) -> dict:
    if group.team is not None:
        return {"team": group.team.pk}
    if group.location is not None:
        return {"location": group.location.pk}
    return {}


def _drill(group, start: date, end: date, what: dict) -> str:
    query = {"start": start.isoformat(), "end": end.isoformat(), **what, **_group_query(group)}
    return f"{reverse('desk:reports-conversations')}?{urlencode(query)}"


@login_required
@require_http_methods(["GET", "HEAD"])
def candor(request):
    teams, locations = perception.groups_for(request.user)
    team, location = _chosen(request, teams, locations)
    today = timezone.localdate()
    # By default the last period that has ended: its figures are final (people answer for
    # the current one, which the trend and ?period= show as it goes).
    day = perception.period_of(today)[0] - timedelta(days=1)
    if request.GET.get("period"):
        try:
            day = date.fromisoformat(request.GET["period"])
        except ValueError as exc:
            raise Http404("No such period") from exc
    start, end = perception.period_of(day)
    scope = Scope(None)  # the group itself was checked against what the viewer may see
    group = None
    rows, trend = [], []
    calibration, chart, flags = {}, "", []
    this_period = trend_chart = ""
    if team is not None or location is not None:
        # The trend ends with the period shown: its gap is computed once, there.
        periods = perception.trend(day, scope, team, location)
        group = periods[-1][2]
        for g in group.ordered():
            rows.append({"gap": g, "href": _drill(group, start, end, g.figure.drill)})
        for p_start, p_end, past in periods:
            href = "?" + urlencode({"period": p_start.isoformat(), **_group_query(group)})
            trend.append({"start": p_start, "end": p_end, "group": past, "href": href})
        largest = group.largest or group.ordered()[0]
        key, unit = largest.dimension.key, largest.dimension.unit
        trend_chart = charts.lines(
            f"{largest.dimension.label}: what we said and what customers measured",
            [p["start"].strftime("%b %Y") for p in trend],
            {
                "We said (median)": [_gap_of(p["group"], key).estimate for p in trend],
                "Customers": [_gap_of(p["group"], key).measured for p in trend],
            },
            "hours" if unit == "hours" else "%",
        )
        current = perception.period_of(today)[0]
        if current > start:
            this_period = "?" + urlencode({"period": current.isoformat(), **_group_query(group)})
        f = Filters(start=start, end=end, scope=scope, team=team, location=location)
        calibration = perception.calibration(f, request.user)
        flags = [
            {"flag": flag, "href": _drill(group, start, end, flag.drill) if flag.drill else ""}
            for flag in guardrails.flags(f)
        ]
        whole = next(iter(calibration["team" if team else "location"]), None)
        if whole is not None:
            chart = charts.calibration(f"Calibration: {group.name}", whole.points())
    context = {
        "nav": "candor",
        "teams": teams,
        "locations": locations,
        "group": group,
        "rows": rows,
        "trend": trend,
        "dimensions": perception.DIMENSIONS,
        "start": start,
        "end": end,
        "min_answers": perception.MIN_ANSWERS,
        "calibration": calibration,
        "flags": flags,
        "this_period": this_period,
        "trend_chart": trend_chart,
        "calibration_chart": chart,
        "calibration_definition": perception.CALIBRATION_DEFINITION,
        "answered": SelfAssessment.objects.filter(
            user=request.user, period_start=perception.period_of(today)[0]
        ).exists(),
    }
    return render(request, "desk/reports/candor.html", context)


urlpatterns = [
    path("reports/self-assessment/", self_assessment, name="self-assessment"),
    path("reports/candor/", candor, name="reports-candor"),
]
