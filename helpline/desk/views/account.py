"""Signing in (a password, then a code when two-factor sign-in is on) and out, resetting a
forgotten password by email, and the agent's signature. Every outcome of a sign-in is a
row of the sign-in audit (core.twofactor.record_sign_in)."""

import hashlib
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import path, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from helpline.core import actions, twofactor
from helpline.core.auth import account_for
from helpline.core.errors import ActionError
from helpline.core.models import SignInFactor, SignInOutcome, User
from helpline.desk import throttle
from helpline.desk.middleware import PENDING, VERIFIED
from helpline.desk.views.settings.setup import needs_setup


def audit(request, outcome: str, *, user=None, typed: str = "", factor: str = "") -> None:
    twofactor.record_sign_in(
        outcome,
        user=user,
        typed_name=typed,
        address=throttle.client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        factor=factor,
    )


def audit_refused(request, *, user=None, typed: str = "") -> None:
    """A refused attempt (too many failures) is logged at most once a minute per account and
    address: guesses the throttle turns away cost no password check, and must not grow the
    log without bound either."""
    who = f"user:{user.pk}" if user is not None else f"name:{typed.strip().lower()}"
    key = hashlib.sha256(f"{who}|{throttle.client_address(request)}".encode()).hexdigest()
    if cache.add(f"signin:refused-logged:{key[:32]}", 1, 60):
        audit(request, SignInOutcome.THROTTLED, user=user, typed=typed)


def landing(request, asked: str = "") -> str:
    """Where a sign-in ends: the page asked for, else the inbox. A desk without a location
    cannot take a conversation: its admin starts on the setup checklist instead."""
    if asked:
        return asked
    if request.user.sees_everything and needs_setup():
        return resolve_url("settings:setup")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def too_many() -> str:
    return (
        f"Too many failed sign-ins. Try again in {settings.HELPLINE_SIGN_IN_LOCKOUT_MINUTES} "
        "minutes, or reset your password."
    )


class SignInView(auth_views.LoginView):
    template_name = "desk/sign_in.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing(self.request)

    def post(self, request, *args, **kwargs):
        typed = request.POST.get("username", "")
        self.attempt = throttle.begin(typed, throttle.client_address(request))
        if self.attempt is None:
            audit_refused(request, user=account_for(typed), typed=typed)
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, too_many())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        typed = form.cleaned_data.get("username", "")
        if twofactor.confirmed_device(user) is not None:
            # The password was right; the code decides. Nothing of a signed-in session yet.
            throttle.passed_password(self.attempt)
            self.request.session.cycle_key()
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "until": time.time() + settings.HELPLINE_SIGN_IN_CODE_MINUTES * 60,
                "next": self.get_redirect_url(),
                "typed": typed[:150],
            }
            return redirect("desk:sign-in-code")
        response = super().form_valid(form)
        throttle.succeeded(self.attempt)
        audit(
            self.request,
            SignInOutcome.SIGNED_IN,
            user=user,
            typed=typed,
            factor=SignInFactor.PASSWORD,
        )
        if twofactor.must_enrol(user):
            return redirect("desk:two-factor")
        return response

    def form_invalid(self, form):
        typed = self.request.POST.get("username", "")
        audit(self.request, SignInOutcome.WRONG_PASSWORD, user=account_for(typed), typed=typed)
        return super().form_invalid(form)


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None, {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_code(request):
    """The second step: the code of the authenticator app, or a recovery code."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, "Sign in with your password first.")
        return redirect("desk:sign-in")
    error, status = "", 200
    if request.method == "POST":
        attempt = throttle.begin_code(user.pk, throttle.client_address(request))
        if attempt is None:
            audit_refused(request, user=user, typed=pending["typed"])
            request.session.pop(PENDING, None)
            error, status = too_many(), 429
        else:
            factor = twofactor.verify_second_factor(user, request.POST.get("code", "")[:100])
            if factor is not None:
                throttle.succeeded(attempt)
                del request.session[PENDING]
                login(request, user, backend=pending["backend"])
                request.session[VERIFIED] = True
                audit(
                    request,
                    SignInOutcome.SIGNED_IN,
                    user=user,
                    typed=pending["typed"],
                    factor=factor,
                )
                if factor == SignInFactor.RECOVERY:
                    left = twofactor.recovery_codes_left(user)
                    messages.warning(
                        request,
                        f"You signed in with a recovery code; {left} of them are left. "
                        "Each works once.",
                    )
                return redirect(landing(request, pending.get("next", "")))
            audit(request, SignInOutcome.WRONG_CODE, user=user, typed=pending["typed"])
            error, status = "That code is wrong or was used already.", 400
    return render(request, "desk/sign_in_code.html", {"error": error}, status=status)


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            user = request.user
            audit(request, SignInOutcome.SIGNED_OUT, user=user, typed=user.get_username())
        return super().post(request, *args, **kwargs)


class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args, client_address: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.client_address = client_address

    def save(self, **kwargs):
        # Over the limit, the page says "sent" as always (it never tells whether an
        # address has an account) and sends nothing.
        if throttle.may_send_reset(self.cleaned_data["email"], self.client_address):
            super().save(**kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        actions.mail_password_reset(context["user"], subject, body)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "desk/password_reset.html"
    email_template_name = "desk/password_reset_email.txt"
    subject_template_name = "desk/password_reset_subject.txt"
    success_url = reverse_lazy("desk:password-reset-sent")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "client_address": throttle.client_address(self.request),
        }


@login_required
def signature(request):
    """The agent's own signature, added below their replies and forwards."""
    back = request.POST.get("next") or request.GET.get("next", "")
    # A path of this site only: redirect() would take "me" for the name of a URL pattern.
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}) or not back.startswith("/"):
        back = ""
    error, text, status = None, request.user.signature, 200
    if request.method == "POST":
        text = request.POST.get("signature", "")
        try:
            actions.set_signature(request.user, request.user, text)
        except ActionError as refused:
            error, status = refused, 400
        else:
            messages.success(request, "Signature saved.")
            return redirect(back or "desk:signature")
    context = {"signature": text, "error": error, "next": back}
    return render(request, "desk/signature.html", context, status=status)


urlpatterns = [
    path("account/signature/", signature, name="signature"),
    path("sign-in/", SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", sign_in_code, name="sign-in-code"),
    path("sign-out/", SignOutView.as_view(), name="sign-out"),
    path("password-reset/", PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="desk/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="desk/password_reset_confirm.html",
            success_url=reverse_lazy("desk:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="desk/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
