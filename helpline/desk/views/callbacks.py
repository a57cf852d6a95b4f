"""The callback worklist: the calls to return, soonest due first, and what became of each try."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from helpline.callbacks import actions
from helpline.callbacks.models import Callback, CallbackStatus, Outcome
from helpline.core.errors import ActionError
from helpline.desk import times

WORKLIST_SIZE = 100
FAILED_SIZE = 50


@login_required
@require_http_methods(["GET", "HEAD"])
def callback_list(request):
    return _render_worklist(request)


def _render_worklist(request, typed: dict | None = None, status: int = 200):
    visible = Callback.objects.visible_to(request.user).select_related("customer", "location")
    open_callbacks = list(
        visible.filter(status=CallbackStatus.OPEN).order_by("due_at", "id")[: WORKLIST_SIZE + 1]
    )
    failed = list(
        visible.filter(status=CallbackStatus.FAILED).order_by("-closed_at", "-id")[:FAILED_SIZE]
    )
    context = {
        "nav": "callbacks",
        "callbacks": open_callbacks[:WORKLIST_SIZE],
        "more": len(open_callbacks) > WORKLIST_SIZE,
        "failed": failed,
        "outcomes": Outcome.choices,
        "now": timezone.now(),
        "typed": typed or {},
    }
    return render(request, "desk/callbacks.html", context, status=status)


@login_required
@require_POST
def callback_attempt(request, pk: int):
    callback = Callback.objects.visible_to(request.user).filter(pk=pk).first()
    if callback is None:
        raise Http404("No such callback")
    outcome = request.POST.get("outcome", "")
    note = request.POST.get("note", "")
    try:
        callback = actions.record_attempt(request.user, callback, outcome, note)
    except ActionError as exc:
        typed = {"id": callback.pk, "outcome": outcome, "note": note, "error": str(exc)}
        return _render_worklist(request, typed, status=400)
    messages.success(request, _said(callback, Outcome(outcome).label))
    return redirect("desk:callbacks")


def _said(callback: Callback, outcome: str) -> str:
    who = str(callback.customer)
    if callback.status == CallbackStatus.OPEN:
        return f"{outcome}: {who} is due again {times.plain(callback.due_at, callback.location)}."
    if callback.status == CallbackStatus.DONE:
        return f"{outcome}: the callback to {who} is done."
    return f"{outcome}: the callback to {who} needs a manual look ({callback.closed_reason})."


urlpatterns = [
    path("callbacks/", callback_list, name="callbacks"),
    path("callbacks/<int:pk>/attempt/", callback_attempt, name="callback-attempt"),
]
