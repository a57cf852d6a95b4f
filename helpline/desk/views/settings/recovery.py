"""Service recovery's settings: the rules that open a case, per location and for every other
location, and the root causes a closing agent chooses from."""

from django.contrib import messages
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from helpline.core.errors import ActionError
from helpline.core.models import Location
from helpline.desk.forms import refuse
from helpline.desk.settings_forms import RecoveryRulesForm, RootCauseForm
from helpline.desk.views.settings.common import admin_only, settings_context
from helpline.recovery import actions
from helpline.recovery.models import RootCause


@admin_only
@require_http_methods(["GET", "HEAD"])
def rules_list(request):
    default, own = actions.all_rules()
    locations = [(location, own.get(location.pk)) for location in Location.objects.order_by("name")]
    return render(
        request,
        "desk/settings/recovery_rules.html",
        settings_context("recovery", default=default, locations=locations),
    )


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def rules_edit(request, location_id: int | None = None):
    location = get_object_or_404(Location, pk=location_id) if location_id is not None else None
    rules = actions.rules_for(location_id)
    initial = model_to_dict(rules, exclude=["id", "location"])
    form = RecoveryRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_rules(request.user, location, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            where = location.name if location else "every other location"
            messages.success(request, f"Recovery rules of {where} saved.")
            return redirect("settings:recovery-rules")
    status = 400 if request.method == "POST" else 200
    own = location is None or rules.location_id == location.pk
    context = settings_context("recovery", form=form, location=location, own=own)
    return render(request, "desk/settings/recovery_rules_form.html", context, status=status)


@admin_only
@require_http_methods(["GET", "HEAD"])
def cause_list(request):
    causes = RootCause.objects.all()
    return render(
        request, "desk/settings/root_causes.html", settings_context("causes", causes=causes)
    )


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def cause_new(request):
    form = RootCauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cause = actions.add_root_cause(request.user, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Root cause {cause.name} added.")
            return redirect("settings:root-causes")
    return _render_cause(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def cause_edit(request, cause_id: int):
    cause = get_object_or_404(RootCause, pk=cause_id)
    initial = {name: getattr(cause, name) for name in actions.CAUSE_FIELDS}
    form = RootCauseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cause = actions.change_root_cause(request.user, cause, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Root cause {cause.name} saved.")
            return redirect("settings:root-causes")
    return _render_cause(request, form, cause)


def _render_cause(request, form: RootCauseForm, cause: RootCause | None):
    context = settings_context("causes", form=form, cause=cause)
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/settings/root_cause_form.html", context, status=status)


urlpatterns = [
    path("rules/", rules_list, name="recovery-rules"),
    path("rules/everywhere-else/", rules_edit, name="recovery-rules-default"),
    path("rules/<int:location_id>/", rules_edit, name="recovery-rules-location"),
    path("root-causes/", cause_list, name="root-causes"),
    path("root-causes/new/", cause_new, name="root-cause-new"),
    path("root-causes/<int:cause_id>/", cause_edit, name="root-cause-edit"),
]
