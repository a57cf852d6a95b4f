"""Where the time goes: each person's week (their own, or, for managers and admins, the
agents, teams and locations they see), the quick log, the calendar import, and the task
review. Writes go through helpline.timeaudit.actions; who sees what is
helpline.timeaudit.scope (404 for anything else)."""

import re
from datetime import date, datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from helpline.core.errors import ActionError
from helpline.core.models import User
from helpline.desk.forms import DeskForm, refuse
from helpline.timeaudit import actions, figures, kinds, scope
from helpline.timeaudit.models import Source, TimeEntry

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
MAX_CALENDAR_BYTES = 2 * 1024 * 1024
RECENT = 30  # of one's own entries of the week, listed under the forms


class TimeLogForm(DeskForm):
    kind = forms.ChoiceField(label="What")
    minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=actions.MAX_MANUAL_MINUTES)
    started_at = forms.DateTimeField(
        label="Started at",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Empty: it just ended.",
    )
    note = forms.CharField(label="Note", required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (key, kind.label) for key, kind in kinds.manual_kinds().items()
        ]


class CalendarForm(DeskForm):
    calendar = forms.FileField(
        label="Calendar file (.ics)",
        help_text=(
            "Meetings of the last 13 weeks that have started are counted. All-day events, "
            "events marked free and cancelled ones are left out; each occurrence of a "
            "repeating meeting counts. Importing the same file again adds nothing."
        ),
    )

    def clean_calendar(self):
        upload = self.cleaned_data["calendar"]
        if upload.size > MAX_CALENDAR_BYTES:
            raise forms.ValidationError("At most 2 MB: export a shorter period.")
        return upload


def _week(request) -> date:
    """The Monday of the week asked for (`?week=` any day of it), else this week's."""
    value = request.GET.get("week", "")
    if not value:
        return figures.monday(timezone.localdate())
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise BadRequest("week: a day like 2026-11-30") from None
    if abs((day - timezone.localdate()).days) > 100 * 366:
        raise BadRequest("week: within a hundred years of today")
    return figures.monday(day)


def _who(request, who: str, pk: int):
    """(title, agent ids, the agent when it is one person) of what the page is about."""
    user = request.user
    if who == "agents":
        agent = scope.get_agent_for(user, pk)
        name = agent.get_full_name() or agent.username
        return ("Your time" if agent.pk == user.pk else f"Time of {name}"), [agent.pk], agent
    if who == "teams":
        team = scope.get_team_for(user, pk)
        return f"Time of the team {team.name}", scope.team_agent_ids(team), None
    if who == "locations":
        location = scope.get_location_for(user, pk)
        return f"Time at {location.name}", scope.location_agent_ids(location), None
    raise Http404("No such page")


def _choices(user: User) -> dict:
    """The people, teams and locations the viewer may look at (for the page's menu)."""
    return {
        "agents": scope.agents_seen_by(user).filter(is_active=True).order_by("username")[:200],
        "teams": scope.teams_seen_by(user).order_by("name"),
        "locations": scope.locations_seen_by(user).order_by("name"),
    }


def _figures_page(request, who: str, pk: int, *, log_form=None, calendar_form=None, status=200):
    title, agent_ids, agent = _who(request, who, pk)
    first_day = _week(request)
    week = figures.week(agent_ids, first_day, timezone.get_current_timezone())
    own = agent is not None and agent.pk == request.user.pk
    names = {
        person.pk: person.get_full_name() or person.username
        for person in User.objects.filter(pk__in=[a for a, _ in week.by_agent])
    }
    context = {
        "nav": "time",
        "title": title,
        "who": who,
        "pk": pk,
        "week": week,
        "previous_week": first_day - timedelta(weeks=1),
        "next_week": first_day + timedelta(weeks=1),
        "this_week": figures.monday(timezone.localdate()),
        "by_agent": [(agent_id, names.get(agent_id, "?"), s) for agent_id, s in week.by_agent],
        "own": own,
        "choices": _choices(request.user),
    }
    if own:
        all_kinds = kinds.all_kinds()
        entries = list(
            TimeEntry.objects.filter(
                agent=request.user, started_at__gte=week.start, started_at__lt=week.end
            ).order_by("-started_at", "-id")[:RECENT]
        )
        for entry in entries:
            entry.kind_label = kinds.label(all_kinds, entry.kind)
            entry.removable = entry.source != Source.AUTOMATIC
        context.update(
            log_form=log_form or TimeLogForm(),
            calendar_form=calendar_form or CalendarForm(),
            entries=entries,
        )
    return render(request, "desk/time.html", context, status=status)


@login_required
@require_GET
def my_time(request):
    return _figures_page(request, "agents", request.user.pk)


@login_required
@require_GET
def time_figures(request, who: str, pk: int):
    return _figures_page(request, who, pk)


@login_required
@require_GET
def time_review(request, who: str, pk: int):
    title, agent_ids, _ = _who(request, who, pk)
    first_day = _week(request)
    week = figures.week(agent_ids, first_day, timezone.get_current_timezone())
    context = {
        "nav": "time",
        "title": title,
        "who": who,
        "pk": pk,
        "week": week,
        "previous_week": first_day - timedelta(weeks=1),
        "next_week": first_day + timedelta(weeks=1),
        "review_weeks": figures.REVIEW_WEEKS,
    }
    return render(request, "desk/time_review.html", context)


@login_required
@require_POST
def log_time(request):
    form = TimeLogForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = actions.log_time(
                request.user,
                kind=data["kind"],
                minutes=data["minutes"],
                started_at=data["started_at"],
                note=data["note"],
            )
        except ActionError as exc:
            refuse(form, exc)
        else:
            label = kinds.label(kinds.all_kinds(), entry.kind)
            messages.success(request, f"{entry.seconds // 60} minutes of {label} logged.")
            return _back(entry.started_at)
    return _figures_page(request, "agents", request.user.pk, log_form=form, status=400)


@login_required
@require_POST
def import_calendar(request):
    form = CalendarForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = actions.import_calendar(request.user, form.cleaned_data["calendar"].read())
        except ActionError as exc:
            refuse(form, exc, {"file": "calendar"})
        else:
            said = (
                f"Calendar imported: {result.created} new meetings, {result.updated} changed, "
                f"{result.unchanged} already there."
            )
            if result.skipped:
                said += " " + "; ".join(result.skipped) + "."
            messages.success(request, said)
            for problem in result.problems:
                messages.warning(request, f"Not imported: {problem}.")
            return redirect("desk:my-time")
    return _figures_page(request, "agents", request.user.pk, calendar_form=form, status=400)


@login_required
@require_POST
def remove_entry(request, entry_id: int):
    entry = TimeEntry.objects.filter(pk=entry_id, agent=request.user).first()
    if entry is None:
        raise Http404("No such time entry")
    started_at = entry.started_at
    try:
        actions.remove_entry(request.user, entry)
    except ActionError as exc:
        messages.error(request, f"Not removed: {exc}.")
    else:
        messages.success(request, "Time entry removed.")
    return _back(started_at)


def _back(moment: datetime):
    day = timezone.localtime(moment).date()
    return redirect(f"{reverse('desk:my-time')}?week={figures.monday(day).isoformat()}")


WHO = "<str:who>/<int:pk>/"

urlpatterns = [
    path("time/", my_time, name="my-time"),
    path("time/log/", log_time, name="time-log"),
    path("time/import/", import_calendar, name="time-import"),
    path("time/entries/<int:entry_id>/remove/", remove_entry, name="time-entry-remove"),
    path(f"time/{WHO}", time_figures, name="time-figures"),
    path(f"time/{WHO}review/", time_review, name="time-review"),
]
