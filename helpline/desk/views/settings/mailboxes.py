"""Mailboxes: the support addresses, how their mail arrives, and a real connection test."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from helpline.channels.email.connection import check_imap, check_smtp
from helpline.core import actions
from helpline.core.errors import ActionError
from helpline.core.models import Mailbox
from helpline.desk.forms import refuse
from helpline.desk.settings_forms import MailboxForm
from helpline.desk.views.settings.common import admin_only, settings_context

EDITABLE = list(actions.MAILBOX_FIELDS)


@admin_only
@require_http_methods(["GET", "HEAD"])
def mailbox_list(request):
    mailboxes = Mailbox.objects.select_related("location", "team").order_by("address")
    context = settings_context("mailboxes", mailboxes=mailboxes)
    return render(request, "desk/settings/mailboxes.html", context)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def mailbox_new(request):
    form = MailboxForm(request.POST or None, editing=False)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = actions.create_mailbox(request.user, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request, f"Mailbox {mailbox.address} added. Test its connection below."
            )
            return redirect("settings:mailbox-edit", mailbox.pk)
    return _render(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def mailbox_edit(request, mailbox_id: int):
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id)
    form = MailboxForm(request.POST or None, initial=_initial(mailbox), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = actions.update_mailbox(request.user, mailbox, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Mailbox {mailbox.address} saved.")
            return redirect("settings:mailbox-edit", mailbox.pk)
    return _render(request, form, mailbox)


@admin_only
@require_POST
def mailbox_test(request, mailbox_id: int):
    """Connect to the saved mailbox's IMAP server and to the outgoing SMTP server, and say how
    it went; nothing is changed or sent."""
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id)
    checks = [check_imap(mailbox), check_smtp(mailbox)]
    form = MailboxForm(initial=_initial(mailbox), editing=True)
    return _render(request, form, mailbox, checks=checks)


def _initial(mailbox: Mailbox) -> dict:
    initial = {name: getattr(mailbox, name) for name in EDITABLE}
    initial.update(location=mailbox.location_id, team=mailbox.team_id)
    return initial


def _render(request, form: MailboxForm, mailbox: Mailbox | None, checks=None):
    context = settings_context("mailboxes", form=form, mailbox=mailbox, checks=checks)
    status = 400 if request.method == "POST" and checks is None else 200
    return render(request, "desk/settings/mailbox_form.html", context, status=status)


urlpatterns = [
    path("", mailbox_list, name="mailboxes"),
    path("new/", mailbox_new, name="mailbox-new"),
    path("<int:mailbox_id>/", mailbox_edit, name="mailbox-edit"),
    path("<int:mailbox_id>/test/", mailbox_test, name="mailbox-test"),
]
