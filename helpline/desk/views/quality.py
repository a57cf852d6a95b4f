"""QA and coaching in the desk: the reviews to do and received, the scorecard, reviewing a
picked conversation beside the rubric (and the reply thread), calibration, and each
agent's development timeline with coaching, goals and trainings.

Who sees what is helpline.quality.people's rule: your own record, your team's as their
manager, everyone's as an admin; anything else is 404. Reviewing, coaching and editing
the scorecard are for managers and admins (403 for an agent).
"""

import re
from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from helpline.access import get_conversation_for
from helpline.core.durations import compact_duration
from helpline.core.errors import ActionError
from helpline.core.params import parse_id, parse_int
from helpline.quality import actions, agreement, calibration, people, scoring, timeline
from helpline.quality.models import (
    CoachingSession,
    Criterion,
    Goal,
    Pick,
    Review,
    Scorecard,
    Training,
)

LIST_SIZE = 50
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")


def _denied(exc: PermissionError):
    return PermissionDenied(str(exc))


# Parsing what the desk's forms send


def _day(value: str | None, field: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    if not DAY.fullmatch(text):
        raise ActionError("a day, like 2026-01-05", field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ActionError("a day that exists, like 2026-01-05", field) from None


def _moment(value: str | None, field: str) -> datetime | None:
    """A datetime-local field, on the viewer's clock."""
    text = (value or "").strip()
    if not text:
        return None
    if not MOMENT.fullmatch(text):
        raise ActionError("a day and time, like 2026-01-05T10:00", field)
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise ActionError("a day and time that exist, like 2026-01-05T10:00", field) from None
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _flag(post, name: str) -> bool:
    return post.get(name) == "on"


# The overview


@login_required
@require_http_methods(["GET", "HEAD"])
def overview(request):
    user = request.user
    picks = actions.picks_seen_by(user).select_related("conversation", "agent")
    reviewer = people.may_review(user)
    to_review = []
    if reviewer:
        to_review = list(
            picks.exclude(reviews__reviewer=user)
            .exclude(agent=user)
            .order_by("-week", "id")[:LIST_SIZE]
        )
    about_me = list(
        Review.objects.filter(pick__agent=user)
        .select_related("pick__conversation", "reviewer")
        .order_by("-submitted_at", "-id")[:LIST_SIZE]
    )
    recent = list(
        actions.reviews_seen_by(user)
        .exclude(pick__agent=user)
        .select_related("pick__conversation", "pick__agent", "reviewer")
        .order_by("-submitted_at", "-id")[:LIST_SIZE]
    )
    team = list(people.managed_by(user).filter(is_active=True).order_by("first_name", "username"))
    context = {
        "nav": "quality",
        "reviewer": reviewer,
        "to_review": to_review,
        "about_me": about_me,
        "recent": recent,
        "team": team,
        "rule": scoring.RULE,
    }
    return render(request, "desk/quality.html", context)


@login_required
@require_POST
def pick_last_week(request):
    try:
        done = actions.pick_last_week(request.user)
    except PermissionError as exc:
        raise _denied(exc) from exc
    if done["weeks_sampled"]:
        messages.success(
            request,
            f"Picked {done['picked']} conversations for {done['weeks_sampled']} agents' last week.",
        )
    else:
        messages.info(request, "Last week was picked already for every agent of your team.")
    return redirect("desk:quality")


# The scorecard


def _scorecard_page(request, typed: dict | None = None, status: int = 200):
    cards = list(Scorecard.objects.prefetch_related("criteria"))
    context = {
        "nav": "quality",
        "cards": cards,
        "may_edit": people.may_review(request.user),
        "rule": scoring.RULE,
        "typed": typed or {},
    }
    return render(request, "desk/quality_scorecard.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def scorecard(request):
    return _scorecard_page(request)


def _scale(post) -> tuple[int, int]:
    low = parse_int(post.get("scale_min", "1"), "scale_min", low=0, high=10)
    high = parse_int(post.get("scale_max", "5"), "scale_max", low=0, high=10)
    return low, high


def _edit(request, form: str, pk: int | None, change):
    if not people.may_review(request.user):
        raise PermissionDenied("Only managers and admins edit the scorecard.")
    try:
        change()
    except ActionError as exc:
        typed = {**request.POST.dict(), "form": form, "pk": pk, "error": str(exc)}
        typed["field"] = exc.field
        return _scorecard_page(request, typed, status=400)
    except PermissionError as exc:
        raise _denied(exc) from exc
    messages.success(request, "Saved the scorecard.")
    return redirect("desk:quality-scorecard")


@login_required
@require_POST
def scorecard_new(request):
    post = request.POST

    def change():
        low, high = _scale(post)
        actions.create_scorecard(request.user, post.get("name", ""), low, high, True)

    return _edit(request, "new", None, change)


@login_required
@require_POST
def scorecard_change(request, pk: int):
    card = Scorecard.objects.filter(pk=pk).first()
    if card is None:
        raise Http404("No such scorecard")
    post = request.POST

    def change():
        low, high = _scale(post)
        actions.change_scorecard(
            request.user,
            card,
            name=post.get("name", ""),
            scale_min=low,
            scale_max=high,
            active=_flag(post, "active"),
        )

    return _edit(request, "card", card.pk, change)


def _criterion_values(post) -> dict:
    return {
        "name": post.get("name", ""),
        "description": post.get("description", ""),
        "weight": parse_int(post.get("weight", "1"), "weight", low=1, high=100),
        "allow_na": _flag(post, "allow_na"),
        "auto_fail": _flag(post, "auto_fail"),
    }


@login_required
@require_POST
def criterion_new(request, pk: int):
    card = Scorecard.objects.filter(pk=pk).first()
    if card is None:
        raise Http404("No such scorecard")

    def change():
        actions.add_criterion(request.user, card, **_criterion_values(request.POST))

    return _edit(request, "criterion-new", card.pk, change)


@login_required
@require_POST
def criterion_change(request, pk: int):
    criterion = Criterion.objects.filter(pk=pk).first()
    if criterion is None:
        raise Http404("No such criterion")

    def change():
        values = _criterion_values(request.POST)
        values["active"] = _flag(request.POST, "active")
        values["position"] = parse_int(
            request.POST.get("position", str(criterion.position)), "position", low=0, high=10_000
        )
        actions.change_criterion(request.user, criterion, **values)

    return _edit(request, "criterion", criterion.pk, change)


# A pick: the conversation beside the rubric, its reviews and their threads


def _pick(request, pk: int) -> Pick:
    pick = Pick.objects.select_related("agent", "conversation").filter(pk=pk).first()
    if pick is None or not (
        people.sees_record_of(request.user, pick.agent)
        or pick.reviews.filter(reviewer=request.user).exists()
    ):
        raise Http404("No such review")
    return pick


def _pick_page(request, pick: Pick, typed: dict | None = None, status: int = 200):
    user = request.user
    reviews = list(
        pick.reviews.select_related("reviewer", "scorecard")
        .prefetch_related("answers__criterion", "comments__author")
        .order_by("submitted_at", "id")
    )
    mine = next((r for r in reviews if r.reviewer_id == user.pk), None)
    may_score = actions.may_score(user, pick)
    card = mine.scorecard if mine else actions.active_scorecard()
    criteria = list(card.criteria.filter(active=True)) if card and may_score else []
    given = {a.criterion_id: a.value for a in mine.answers.all()} if mine else {}
    if typed:
        given = {}
        for i, c in enumerate(criteria):
            raw = typed.get(f"score_{i}", "")
            given[c.pk] = None if raw == "na" else raw
    try:
        conversation = get_conversation_for(user, pick.conversation_id)
        thread = list(conversation.messages.select_related("author").order_by("created_at", "id"))
    except Http404:
        conversation, thread = None, []
    context = {
        "nav": "quality",
        "pick": pick,
        "conversation": conversation,
        "thread": thread,
        "reviews": reviews,
        "may_score": may_score,
        "card": card,
        "criteria": criteria,
        "given": given,
        "points": list(range(card.scale_min, card.scale_max + 1)) if card else [],
        "mine": mine,
        "rule": scoring.RULE,
        "typed": typed or {},
    }
    return render(request, "desk/quality_pick.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def pick_page(request, pk: int):
    return _pick_page(request, _pick(request, pk))


@login_required
@require_POST
def review(request, pk: int):
    pick = _pick(request, pk)
    post = request.POST
    if not actions.may_score(request.user, pick):
        raise PermissionDenied("Only the agent's manager or an admin reviews their work.")
    scores: dict[int, int | None] = {}
    try:
        # The form names each criterion in order (hidden "criterion" fields) and its answer
        # "score_<n>": N/A is "na", a point of the scale its number.
        for i, raw_id in enumerate(post.getlist("criterion")[:100]):
            criterion_id = parse_id(raw_id, "criterion")
            raw = post.get(f"score_{i}", "")
            if raw == "na":
                scores[criterion_id] = None
            elif raw:
                scores[criterion_id] = parse_int(raw, f"scores.{criterion_id}", low=0, high=100)
        actions.review(request.user, pick, scores, post.get("note", ""))
    except ActionError as exc:
        typed = {**post.dict(), "form": "review", "error": str(exc), "field": exc.field}
        return _pick_page(request, pick, typed, status=400)
    except PermissionError as exc:
        raise _denied(exc) from exc
    messages.success(request, "Review saved; the agent sees it.")
    return redirect("desk:quality-pick", pk=pick.pk)


@login_required
@require_POST
def comment(request, pk: int):
    found = Review.objects.select_related("pick__agent").filter(pk=pk).first()
    if found is None or not actions.may_see_review(request.user, found):
        raise Http404("No such review")
    try:
        actions.comment(request.user, found, request.POST.get("text", ""))
    except ActionError as exc:
        typed = {
            "form": "comment",
            "review": found.pk,
            "text": request.POST.get("text", ""),
            "error": str(exc),
        }
        return _pick_page(request, _pick(request, found.pick_id), typed, status=400)
    messages.success(request, "Reply added.")
    return redirect("desk:quality-pick", pk=found.pick_id)


# Calibration


@login_required
@require_http_methods(["GET", "HEAD"])
def calibration_page(request):
    if not people.may_review(request.user):
        raise PermissionDenied("Calibration is for reviewers: managers and admins.")
    result = calibration.build(actions.picks_seen_by(request.user))
    context = {"nav": "quality", "cal": result, "explained": agreement.EXPLAINED}
    return render(request, "desk/quality_calibration.html", context)


# An agent's development timeline


def _agent_page(request, agent, typed: dict | None = None, status: int = 200):
    user = request.user
    line = timeline.build(agent)
    for month in line.months:
        month.wait_text = compact_duration(month.median_wait)  # type: ignore[attr-defined]
    sessions = list(
        CoachingSession.objects.filter(agent=agent)
        .select_related("coach")
        .prefetch_related("goals")[:LIST_SIZE]
    )
    context = {
        "nav": "quality",
        "agent": agent,
        "own": agent.pk == user.pk,
        "may_coach": people.may_review(user) and people.manages(user, agent),
        "line": line,
        "sessions": sessions,
        "open_goals": list(Goal.objects.filter(agent=agent, done_at__isnull=True)),
        "met_goals": list(
            Goal.objects.filter(agent=agent, done_at__isnull=False).order_by("-done_at")[:20]
        ),
        "trainings": list(Training.objects.filter(agent=agent)[:LIST_SIZE]),
        "reviews": list(
            Review.objects.filter(pick__agent=agent)
            .select_related("pick__conversation", "reviewer")
            .order_by("-submitted_at", "-id")[:LIST_SIZE]
        ),
        "typed": typed or {},
        "now": timezone.now(),
    }
    return render(request, "desk/quality_agent.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def agent_page(request, pk: int):
    return _agent_page(request, people.get_agent_for(request.user, pk))


@login_required
@require_POST
def coaching_new(request, pk: int):
    agent = people.get_agent_for(request.user, pk)
    post = request.POST
    try:
        held_at = _moment(post.get("held_at"), "held_at") or timezone.now()
        goals = [
            (post.get(f"goal_{i}", ""), _day(post.get(f"goal_{i}_due"), f"goals.{i}.due_on"))
            for i in range(3)
        ]
        actions.hold_session(
            request.user,
            agent,
            held_at,
            post.get("notes", ""),
            _day(post.get("follow_up_on"), "follow_up_on"),
            goals,
        )
    except ActionError as exc:
        typed = {**post.dict(), "form": "coaching", "error": str(exc), "field": exc.field}
        return _agent_page(request, agent, typed, status=400)
    except PermissionError as exc:
        raise _denied(exc) from exc
    messages.success(request, "Coaching session recorded.")
    return redirect("desk:quality-agent", pk=agent.pk)


@login_required
@require_POST
def training_new(request, pk: int):
    agent = people.get_agent_for(request.user, pk)
    post = request.POST
    try:
        on = _day(post.get("on"), "on") or timezone.localdate()
        minutes_text = (post.get("minutes") or "").strip()
        minutes = parse_int(minutes_text, "minutes", low=1, high=100_000) if minutes_text else None
        actions.log_training(request.user, agent, post.get("title", ""), on, minutes)
    except ActionError as exc:
        typed = {**post.dict(), "form": "training", "error": str(exc), "field": exc.field}
        return _agent_page(request, agent, typed, status=400)
    except PermissionError as exc:
        raise _denied(exc) from exc
    messages.success(request, "Training logged.")
    return redirect("desk:quality-agent", pk=agent.pk)


@login_required
@require_POST
def goal_done(request, pk: int):
    goal = Goal.objects.select_related("agent").filter(pk=pk).first()
    if goal is None or not people.sees_record_of(request.user, goal.agent):
        raise Http404("No such goal")
    actions.complete_goal(request.user, goal)
    messages.success(request, "Goal marked done.")
    return redirect("desk:quality-agent", pk=goal.agent_id)


urlpatterns = [
    path("quality/", overview, name="quality"),
    path("quality/pick-last-week/", pick_last_week, name="quality-pick-week"),
    path("quality/scorecard/", scorecard, name="quality-scorecard"),
    path("quality/scorecard/new/", scorecard_new, name="quality-scorecard-new"),
    path("quality/scorecard/<int:pk>/", scorecard_change, name="quality-scorecard-change"),
    path("quality/scorecard/<int:pk>/criteria/", criterion_new, name="quality-criterion-new"),
    path("quality/criteria/<int:pk>/", criterion_change, name="quality-criterion-change"),
    path("quality/picks/<int:pk>/", pick_page, name="quality-pick"),
    path("quality/picks/<int:pk>/review/", review, name="quality-review"),
    path("quality/reviews/<int:pk>/replies/", comment, name="quality-comment"),
    path("quality/calibration/", calibration_page, name="quality-calibration"),
    path("quality/agents/<int:pk>/", agent_page, name="quality-agent"),
    path("quality/agents/<int:pk>/coaching/", coaching_new, name="quality-coaching"),
    path("quality/agents/<int:pk>/trainings/", training_new, name="quality-training"),
    path("quality/goals/<int:pk>/done/", goal_done, name="quality-goal-done"),
]
