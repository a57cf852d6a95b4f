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


def _failed_callback(request, pk: int) -> Callback:
    callback = Callback.objects.visible_to(request.user).filter(pk=pk).first()
    if callback is None:
        raise Http404("No such callback")
    return callback


def _act_on_failed(request, pk: int, form: str, act):
    """Run `act(callback)` on a failed callback; a refusal shows the worklist again with the
    error beside the field and what was typed kept."""
    callback = _failed_callback(request, pk)
    try:
        said = act(callback)
    except ActionError as exc:
        callback.refresh_from_db()
        if callback.status != CallbackStatus.FAILED:  # someone else dealt with it meanwhile
            messages.error(request, f"Not done: {exc}.")
            return redirect("desk:callbacks")
        typed = {"id": callback.pk, "form": form, **request.POST.dict(), "error": exc}
        return _render_worklist(request, typed, status=400)
    messages.success(request, said)
    return redirect("desk:callbacks")


@login_required
@require_POST
def callback_queue_again(request, pk: int):
    def act(callback):
        callback = actions.queue_again(request.user, callback, request.POST.get("phone_number", ""))
        number, due = callback.phone_number, _due(callback)
        return f"{callback.customer} is back on the worklist: call {number} from {due}."

    form = "number" if "phone_number" in request.POST else "again"
    return _act_on_failed(request, pk, form, act)


@login_required
@require_POST
def callback_dismiss(request, pk: int):
    def act(callback):
        callback = actions.dismiss(request.user, callback, request.POST.get("reason", ""))
        return f"Dismissed the callback to {callback.customer}."

    return _act_on_failed(request, pk, "dismiss", act)


def _due(callback: Callback) -> str:
    return times.plain(callback.due_at, callback.location)


def _said(callback: Callback, outcome: str) -> str:
    who = str(callback.customer)
    if callback.status == CallbackStatus.OPEN:
        return f"{outcome}: {who} is due again {_due(callback)}."
    if callback.status == CallbackStatus.DONE:
        return f"{outcome}: the callback to {who} is done."
    return f"{outcome}: the callback to {who} needs a manual look ({callback.closed_reason})."


urlpatterns = [
    path("callbacks/", callback_list, name="callbacks"),
    path("callbacks/<int:pk>/attempt/", callback_attempt, name="callback-attempt"),
    path("callbacks/<int:pk>/queue-again/", callback_queue_again, name="callback-queue-again"),
    path("callbacks/<int:pk>/dismiss/", callback_dismiss, name="callback-dismiss"),
]
