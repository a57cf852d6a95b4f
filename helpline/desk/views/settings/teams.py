"""Teams: who works together, where, and who leads them."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from helpline.core import actions
from helpline.core.errors import ActionError
from helpline.core.models import Team
from helpline.desk.forms import refuse
from helpline.desk.settings_forms import TeamForm
from helpline.desk.views.settings.common import admin_only, settings_context


@admin_only
@require_http_methods(["GET", "HEAD"])
def team_list(request):
    teams = Team.objects.order_by("name").select_related("location", "lead")
    context = settings_context("teams", teams=teams.prefetch_related("members"))
    return render(request, "desk/settings/teams.html", context)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def team_new(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.create_team(request.user, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Team {team.name} added.")
            return redirect("settings:teams")
    return _render(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def team_edit(request, team_id: int):
    team = get_object_or_404(Team, pk=team_id)
    initial = {
        "name": team.name,
        "location": team.location_id,
        "lead": team.lead_id,
        "members": list(team.members.all()),
    }
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.update_team(request.user, team, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Team {team.name} saved.")
            return redirect("settings:teams")
    return _render(request, form, team)


def _render(request, form: TeamForm, team: Team | None):
    context = settings_context("teams", form=form, team=team)
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/settings/team_form.html", context, status=status)


urlpatterns = [
    path("", team_list, name="teams"),
    path("new/", team_new, name="team-new"),
    path("<int:team_id>/", team_edit, name="team-edit"),
]
