"""The signed-in person's own settings: the time zone every page shows times in, and
two-factor sign-in (set up with an authenticator app, recovery codes, turned off)."""

import io

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from helpline.core import actions, twofactor
from helpline.core.errors import ActionError
from helpline.core.models import time_zone_names
from helpline.desk import throttle
from helpline.desk.forms import refuse
from helpline.desk.middleware import VERIFIED


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(label="Show times in", required=False)

    def __init__(self, *args, automatic: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", f"Automatic: {automatic}")] + [(n, n) for n in time_zone_names()]
        self.fields["time_zone"].choices = choices  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_settings(request):
    user = request.user
    automatic = f"{user.default_time_zone()} (your first location’s, or the site’s)"
    form = TimeZoneForm(
        request.POST if request.method == "POST" else None,
        automatic=automatic,
        initial={"time_zone": user.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.set_time_zone(user, user, form.cleaned_data["time_zone"])
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Times are now shown in {user.zone().key}.")
            return redirect("desk:my-settings")
    status = 400 if request.method == "POST" else 200
    context = {
        "nav": "me",
        "form": form,
        "zone": user.zone().key,
        "two_factor_on": twofactor.confirmed_device(user) is not None,
    }
    return render(request, "desk/my_settings.html", context, status=status)


def _two_factor_page(request, *, errors: dict | None = None, status: int = 200):
    user = request.user
    device = twofactor.confirmed_device(user)
    pending = None if device is not None else twofactor.pending_device(user)
    context = {
        "nav": "me",
        "on": device is not None,
        "pending": pending,
        "secret": twofactor.secret_text(pending) if pending else "",
        "required": twofactor.is_required(user),
        "codes_left": twofactor.recovery_codes_left(user) if device else 0,
        "errors": errors or {},
    }
    return render(request, "desk/two_factor.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def two_factor(request):
    return _two_factor_page(request)


@login_required
@require_POST
def two_factor_start(request):
    try:
        twofactor.start_enrolment(request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("desk:two-factor")


@never_cache
@login_required
@require_POST
def two_factor_confirm(request):
    """The first code from the app turns two-factor sign-in on; the recovery codes are shown
    in this one response and never again."""
    if twofactor.pending_device(request.user) is None:  # a stale form: nothing to confirm
        messages.error(request, "Start setting up two-factor sign-in first.")
        return redirect("desk:two-factor")
    try:
        codes = twofactor.confirm_enrolment(request.user, request.POST.get("code", "")[:100])
    except ActionError as exc:
        return _two_factor_page(request, errors={exc.field or "code": str(exc)}, status=400)
    request.session[VERIFIED] = True
    return render(request, "desk/two_factor_codes.html", {"nav": "me", "codes": codes})


@login_required
@require_POST
def two_factor_disable(request):
    if twofactor.confirmed_device(request.user) is None:
        messages.info(request, "Two-factor sign-in is off already.")
        return redirect("desk:two-factor")
    # Password and code guesses here count against the account like a sign-in's.
    attempt = throttle.begin_code(request.user.pk, throttle.client_address(request))
    if attempt is None:
        errors = {"general": "Too many wrong tries; wait a while."}
        return _two_factor_page(request, errors=errors, status=429)
    try:
        twofactor.disable(
            request.user,
            request.POST.get("password", ""),
            request.POST.get("code", "")[:100],
        )
    except ActionError as exc:
        return _two_factor_page(request, errors={exc.field or "general": str(exc)}, status=400)
    throttle.succeeded(attempt)
    messages.success(request, "Two-factor sign-in is off: your password alone signs you in.")
    return redirect("desk:two-factor")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def two_factor_qr(request):
    """The secret being set up as a QR code, for the page's <img> (no inline script or style)."""
    device = twofactor.pending_device(request.user)
    if device is None:
        raise Http404("nothing is being set up")
    out = io.BytesIO()
    segno.make(twofactor.otpauth_url(device), error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, title="Two-factor secret"
    )
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


urlpatterns = [
    path("me/", my_settings, name="my-settings"),
    path("me/two-factor/", two_factor, name="two-factor"),
    path("me/two-factor/start/", two_factor_start, name="two-factor-start"),
    path("me/two-factor/confirm/", two_factor_confirm, name="two-factor-confirm"),
    path("me/two-factor/disable/", two_factor_disable, name="two-factor-disable"),
    path("me/two-factor/qr.svg", two_factor_qr, name="two-factor-qr"),
]
