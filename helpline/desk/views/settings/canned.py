"""Canned replies: ready answers agents insert into a reply."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from helpline.conversations import actions
from helpline.conversations.models import CannedReply
from helpline.core.errors import ActionError
from helpline.desk.forms import refuse
from helpline.desk.settings_forms import CannedReplyForm
from helpline.desk.views.settings.common import admin_only, settings_context


@admin_only
@require_http_methods(["GET", "HEAD"])
def canned_list(request):
    replies = CannedReply.objects.select_related("location").order_by("title")
    return render(request, "desk/settings/canned.html", settings_context("canned", replies=replies))


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def canned_new(request):
    form = CannedReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reply = actions.create_canned_reply(request.user, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Canned reply “{reply.title}” added.")
            return redirect("settings:canned")
    return _render(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def canned_edit(request, reply_id: int):
    reply = get_object_or_404(CannedReply, pk=reply_id)
    initial = {"title": reply.title, "body": reply.body, "location": reply.location_id}
    form = CannedReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reply = actions.update_canned_reply(request.user, reply, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Canned reply “{reply.title}” saved.")
            return redirect("settings:canned")
    return _render(request, form, reply)


def _render(request, form: CannedReplyForm, reply: CannedReply | None):
    context = settings_context("canned", form=form, reply=reply)
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/settings/canned_form.html", context, status=status)


urlpatterns = [
    path("", canned_list, name="canned"),
    path("new/", canned_new, name="canned-new"),
    path("<int:reply_id>/", canned_edit, name="canned-edit"),
]
