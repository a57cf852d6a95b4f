"""Survey policies: which solved conversations are surveyed, with what, and when."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from helpline.core.errors import ActionError
from helpline.desk.forms import refuse
from helpline.desk.settings_forms import SurveyPolicyForm
from helpline.desk.views.settings.common import admin_only, settings_context
from helpline.feedback import actions
from helpline.feedback.models import SurveyPolicy


@admin_only
@require_http_methods(["GET", "HEAD"])
def policy_list(request):
    policies = SurveyPolicy.objects.select_related("location", "mailbox")  # in match order
    return render(
        request, "desk/settings/surveys.html", settings_context("surveys", policies=policies)
    )


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def policy_new(request):
    form = SurveyPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = actions.create_policy(request.user, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Survey policy {policy.name} added.")
            return redirect("settings:survey-policies")
    return _render(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def policy_edit(request, policy_id: int):
    policy = get_object_or_404(SurveyPolicy, pk=policy_id)
    form = SurveyPolicyForm(request.POST or None, initial=actions.policy_values(policy))
    if request.method == "POST" and form.is_valid():
        try:
            policy = actions.update_policy(request.user, policy, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Survey policy {policy.name} saved.")
            return redirect("settings:survey-policies")
    return _render(request, form, policy)


@admin_only
@require_POST
def policy_delete(request, policy_id: int):
    policy = get_object_or_404(SurveyPolicy, pk=policy_id)
    name = policy.name
    actions.delete_policy(request.user, policy)
    messages.success(request, f"Survey policy {name} deleted; surveys sent under it stay.")
    return redirect("settings:survey-policies")


def _render(request, form: SurveyPolicyForm, policy: SurveyPolicy | None):
    context = settings_context("surveys", form=form, policy=policy)
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/settings/survey_policy_form.html", context, status=status)


urlpatterns = [
    path("", policy_list, name="survey-policies"),
    path("new/", policy_new, name="survey-policy-new"),
    path("<int:policy_id>/", policy_edit, name="survey-policy-edit"),
    path("<int:policy_id>/delete/", policy_delete, name="survey-policy-delete"),
]
