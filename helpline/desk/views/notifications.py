"""The bell: what service level escalation told the signed-in agent, newest first.

A notification is its addressee's alone: anyone else, an admin included, gets a 404 for it.
Opening one is a POST that marks it read and goes on to its conversation, so that the list
works without JavaScript and a link prefetch never reads a notification by accident.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from helpline.core.models import User
from helpline.sla import actions
from helpline.sla.models import Notification

LIST_SIZE = 100
# The bell shows "99+" beyond this: a number that size already says "look at the list".
BELL_CAP = 99


def unread_count(user: User) -> int:
    """Unread notifications of `user`, up to BELL_CAP + 1: one COUNT over a LIMIT, which the
    partial index notification_unread answers without reading any read notification."""
    unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True).order_by()
    return unread.values("pk")[: BELL_CAP + 1].count()


def bell_text(count: int) -> str:
    return f"{BELL_CAP}+" if count > BELL_CAP else str(count)


@login_required
@require_GET
def notification_list(request):
    newest = list(
        Notification.objects.filter(user=request.user)
        .select_related("conversation__location")
        .order_by("-created_at", "-id")[: LIST_SIZE + 1]
    )
    context = {
        "nav": "notifications",
        "notifications": newest[:LIST_SIZE],
        "more": len(newest) > LIST_SIZE,
    }
    return render(request, "desk/notifications.html", context)


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = Notification.objects.filter(pk=pk, user=request.user).first()
    if notification is None:
        raise Http404("No such notification")
    actions.mark_read(request.user, notification)
    return redirect("desk:conversation", notification.conversation_id)


@login_required
@require_POST
def notifications_read_all(request):
    count = actions.mark_all_read(request.user)
    if count:
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    else:
        messages.info(request, "Nothing was unread.")
    return redirect("desk:notifications")


urlpatterns = [
    path("notifications/", notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", notification_read, name="notification-read"),
    path("notifications/read-all/", notifications_read_all, name="notifications-read-all"),
]
