"""The people who work the desk: invited by email, their role and locations changed later."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from helpline.core import actions, twofactor
from helpline.core.errors import ActionError
from helpline.core.models import User
from helpline.desk.forms import refuse
from helpline.desk.settings_forms import AgentForm
from helpline.desk.views.settings.common import admin_only, settings_context


@admin_only
@require_http_methods(["GET", "HEAD"])
def agent_list(request):
    people = User.objects.order_by("-is_active", "first_name", "last_name", "username")
    context = settings_context("agents", people=people.prefetch_related("locations"))
    return render(request, "desk/settings/agents.html", context)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def agent_invite(request):
    form = AgentForm(request.POST or None, inviting=True)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.invite_agent(request.user, form.cleaned_data["email"], **form.values())
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Invitation sent to {user.email}.")
            return redirect("settings:agents")
    return _render(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def agent_edit(request, user_id: int):
    person = get_object_or_404(User, pk=user_id)
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "role": person.role,
        "is_active": person.is_active,
        "locations": list(person.locations.all()),
    }
    form = AgentForm(request.POST or None, initial=initial, inviting=False)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_agent(request.user, person, **form.values())
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"{person.get_full_name() or person.email} saved.")
            return redirect("settings:agents")
    return _render(request, form, person)


@admin_only
@require_POST
def agent_invite_again(request, user_id: int):
    person = get_object_or_404(User, pk=user_id)
    try:
        actions.send_invitation_again(request.user, person)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Invitation sent again to {person.email}.")
    return redirect("settings:agent-edit", person.pk)


@admin_only
@require_POST
def agent_two_factor_reset(request, user_id: int):
    """A lost phone and lost recovery codes: the person signs in with the password alone (or
    sets it up again, if their role requires it)."""
    person = get_object_or_404(User, pk=user_id)
    twofactor.reset(request.user, person)
    messages.success(
        request, f"Two-factor sign-in of {person.get_full_name() or person.email} is reset."
    )
    return redirect("settings:agent-edit", person.pk)


def _render(request, form: AgentForm, person: User | None):
    two_factor_on = person is not None and twofactor.confirmed_device(person) is not None
    context = settings_context("agents", form=form, person=person, two_factor_on=two_factor_on)
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/settings/agent_form.html", context, status=status)


urlpatterns = [
    path("", agent_list, name="agents"),
    path("invite/", agent_invite, name="agent-invite"),
    path("<int:user_id>/", agent_edit, name="agent-edit"),
    path("<int:user_id>/invite-again/", agent_invite_again, name="agent-invite-again"),
    path(
        "<int:user_id>/two-factor/reset/",
        agent_two_factor_reset,
        name="agent-two-factor-reset",
    ),
]
