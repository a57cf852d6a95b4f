"""Sign-in security: the roles that must use two-factor sign-in, and the sign-in audit (who
signed in or failed to, when, from where)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from helpline.core import twofactor
from helpline.core.errors import ActionError
from helpline.core.models import Role, SignInOutcome, SignInRecord, User
from helpline.desk.forms import refuse
from helpline.desk.views.settings.common import admin_only, settings_context

PAGE = 100


class RequiredRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Two-factor sign-in is required for",
        help_text="People of a ticked role who have not set it up are asked to, right after "
        "their password, and can do nothing else until they have.",
    )


class SignInFilters(forms.Form):
    user = forms.ModelChoiceField(
        User.objects.order_by("username"), required=False, empty_label="Anyone", label="Person"
    )
    outcome = forms.ChoiceField(
        choices=[("", "Any"), *SignInOutcome.choices], required=False, label="Outcome"
    )
    before = forms.RegexField(regex=r"^[0-9]{1,18}$", required=False, widget=forms.HiddenInput)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_security(request):
    form = RequiredRolesForm(
        request.POST if request.method == "POST" else None,
        initial={"roles": sorted(twofactor.required_roles())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.set_required_roles(request.user, set(form.cleaned_data["roles"]))
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, "Sign-in security saved.")
            return redirect("settings:sign-in-security")
    with_device = Q(totpdevice__confirmed=True)
    roles = (
        User.objects.filter(is_active=True)
        .values("role")
        .annotate(
            people=Count("pk", distinct=True), on=Count("pk", filter=with_device, distinct=True)
        )
        .order_by("role")
    )
    labels = dict(Role.choices)
    counts = [{**row, "role": labels.get(row["role"], row["role"])} for row in roles]
    status = 400 if request.method == "POST" else 200
    context = settings_context("security", form=form, counts=counts)
    return render(request, "desk/settings/security.html", context, status=status)


@admin_only
@require_http_methods(["GET", "HEAD"])
def sign_ins(request):
    filters = SignInFilters(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        context = settings_context("sign-ins", filters=filters, rows=[], older=None)
        return render(request, "desk/settings/sign_ins.html", context, status=400)
    chosen = filters.cleaned_data if filters.is_bound else {}
    rows = SignInRecord.objects.select_related("user")
    if chosen.get("user"):
        rows = rows.filter(user=chosen["user"])
    if chosen.get("outcome"):
        rows = rows.filter(outcome=chosen["outcome"])
    if chosen.get("before"):
        rows = rows.filter(pk__lt=int(chosen["before"]))
    page = list(rows.order_by("-pk")[: PAGE + 1])
    older = None
    if len(page) > PAGE:
        page = page[:PAGE]
        query = request.GET.copy()
        query["before"] = str(page[-1].pk)
        older = query.urlencode()
    context = settings_context(
        "sign-ins",
        filters=filters,
        rows=page,
        older=older,
        keep_days=settings.HELPLINE_SIGN_IN_AUDIT_DAYS,
    )
    return render(request, "desk/settings/sign_ins.html", context)


urlpatterns = [
    path("sign-in/", sign_in_security, name="sign-in-security"),
    path("sign-ins/", sign_ins, name="sign-ins"),
]
