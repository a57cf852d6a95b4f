"""Service level policies: response and resolution targets in business hours."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from helpline.core.errors import ActionError
from helpline.desk.forms import refuse
from helpline.desk.settings_forms import SlaPolicyForm
from helpline.desk.views.settings.common import admin_only, settings_context
from helpline.sla import actions
from helpline.sla.models import SlaPolicy


@admin_only
@require_http_methods(["GET", "HEAD"])
def policy_list(request):
    policies = SlaPolicy.objects.select_related("location", "reassign_to_team")
    return render(request, "desk/settings/sla.html", settings_context("sla", policies=policies))


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def policy_new(request):
    form = SlaPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = actions.create_policy(request.user, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Policy {policy.name} added.")
            return redirect("settings:sla")
    return _render(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def policy_edit(request, policy_id: int):
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    form = SlaPolicyForm(request.POST or None, initial=actions.policy_values(policy))
    if request.method == "POST" and form.is_valid():
        try:
            policy = actions.update_policy(request.user, policy, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Policy {policy.name} saved.")
            return redirect("settings:sla")
    return _render(request, form, policy)


def _render(request, form: SlaPolicyForm, policy: SlaPolicy | None):
    context = settings_context("sla", form=form, policy=policy)
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/settings/sla_form.html", context, status=status)


urlpatterns = [
    path("", policy_list, name="sla"),
    path("new/", policy_new, name="sla-new"),
    path("<int:policy_id>/", policy_edit, name="sla-edit"),
]
