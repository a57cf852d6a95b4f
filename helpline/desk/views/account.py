"""Signing in and out, resetting a forgotten password by email, and the agent's signature."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import path, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme

from helpline.core import actions
from helpline.core.errors import ActionError
from helpline.desk import throttle
from helpline.desk.views.settings.setup import needs_setup


class SignInView(auth_views.LoginView):
    template_name = "desk/sign_in.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # A desk without a location cannot take a conversation: its admin starts on the
        # setup checklist rather than an empty inbox.
        if self.request.user.sees_everything and needs_setup():
            return resolve_url("settings:setup")
        return super().get_default_redirect_url()

    def post(self, request, *args, **kwargs):
        attempt = throttle.begin(request.POST.get("username", ""), throttle.client_address(request))
        if attempt is None:
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                "Too many failed sign-ins. Try again in "
                f"{settings.HELPLINE_SIGN_IN_LOCKOUT_MINUTES} minutes, "
                "or reset your password.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.succeeded(attempt)
        return response


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
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
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
