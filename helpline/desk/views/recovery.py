"""Service recovery in the desk: the worklist by due time, a case's page (its steps and
closing), and the figures (recovery rate, root causes, the recovery paradox)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from helpline.core.errors import ActionError
from helpline.recovery import actions, reports
from helpline.recovery.models import (
    CaseStatus,
    GoodwillKind,
    RecoveryCase,
    RootCause,
    Step,
    SurveyKind,
)

WORKLIST_SIZE = 100
CLOSED_SIZE = 30


@login_required
@require_http_methods(["GET", "HEAD"])
def recovery_list(request):
    visible = (
        RecoveryCase.objects.visible_to(request.user)
        .select_related("customer", "location", "owner")
        .prefetch_related("triggers", "steps")
    )
    open_cases = list(
        visible.filter(status=CaseStatus.OPEN).order_by("due_at", "id")[: WORKLIST_SIZE + 1]
    )
    closed = list(
        visible.filter(status=CaseStatus.CLOSED).order_by("-closed_at", "-id")[:CLOSED_SIZE]
    )
    context = {
        "nav": "recovery",
        "cases": open_cases[:WORKLIST_SIZE],
        "more": len(open_cases) > WORKLIST_SIZE,
        "closed": closed,
        "now": timezone.now(),
    }
    return render(request, "desk/recovery.html", context)


def _case(request, pk: int) -> RecoveryCase:
    case = (
        RecoveryCase.objects.visible_to(request.user)
        .select_related("customer", "location", "owner", "conversation", "root_cause", "closed_by")
        .prefetch_related("triggers", "steps__actor")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404("No such recovery case")
    return case


def _render_case(request, case: RecoveryCase, typed: dict | None = None, status: int = 200):
    done = case.steps_done()
    context = {
        "nav": "recovery",
        "case": case,
        "steps": Step.choices,
        "done": done,
        "next_step": case.next_step() if case.status == CaseStatus.OPEN else None,
        "amends_open": case.status == CaseStatus.OPEN
        and Step.ACKNOWLEDGE in done
        and Step.AMENDS not in done
        and Step.VERIFY not in done,
        "goodwill_kinds": GoodwillKind.choices,
        "survey_kinds": SurveyKind.choices,
        "causes": RootCause.objects.filter(active=True),
        "now": timezone.now(),
        "typed": typed or {},
    }
    return render(request, "desk/recovery_case.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def recovery_case(request, pk: int):
    return _render_case(request, _case(request, pk))


@login_required
@require_POST
def recovery_step(request, pk: int):
    case = _case(request, pk)
    post = request.POST
    try:
        actions.record_step(
            request.user,
            case,
            post.get("step", ""),
            post.get("note", ""),
            post.get("goodwill_kind", ""),
            post.get("goodwill_amount", ""),
            post.get("goodwill_currency", ""),
        )
    except ActionError as exc:
        typed = {**post.dict(), "form": "step", "error": str(exc), "field": exc.field}
        return _render_case(request, _case(request, pk), typed, status=400)
    messages.success(request, f"Recorded “{Step(post['step']).label}”.")
    return redirect("desk:recovery-case", pk=case.pk)


@login_required
@require_POST
def recovery_close(request, pk: int):
    case = _case(request, pk)
    post = request.POST
    try:
        actions.close(
            request.user,
            case,
            post.get("root_cause", ""),
            post.get("what_changed", ""),
            post.get("follow_up_kind", ""),
        )
    except ActionError as exc:
        typed = {**post.dict(), "form": "close", "error": str(exc), "field": exc.field}
        return _render_case(request, _case(request, pk), typed, status=400)
    messages.success(request, "Case closed: the follow-up survey goes to the customer.")
    return redirect("desk:recovery-case", pk=case.pk)


@login_required
@require_http_methods(["GET", "HEAD"])
def recovery_report(request):
    cases = RecoveryCase.objects.visible_to(request.user)
    context = {
        "nav": "recovery",
        "overall": reports.overall(cases),
        "by_location": reports.by_location(cases),
        "by_owner": reports.by_owner(cases),
        "by_trigger": reports.by_trigger(cases),
        "root_causes": reports.root_causes(cases),
        "paradox": reports.paradox(cases, _visible_customers(request.user)),
    }
    return render(request, "desk/recovery_report.html", context)


def _visible_customers(user):
    from helpline.customers.models import Customer

    return Customer.objects.visible_to(user)


urlpatterns = [
    path("recovery/", recovery_list, name="recovery"),
    path("recovery/report/", recovery_report, name="recovery-report"),
    path("recovery/<int:pk>/", recovery_case, name="recovery-case"),
    path("recovery/<int:pk>/step/", recovery_step, name="recovery-step"),
    path("recovery/<int:pk>/close/", recovery_close, name="recovery-close"),
]
