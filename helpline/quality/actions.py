"""State changes of QA and coaching. Views, the API and the beat task call these.

Each action is one transaction and writes the activity log. An action that the person may
not take raises PermissionError (the desk and the API answer 403); a bad value raises an
ActionError naming the field.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from helpline.conversations.models import Conversation, Direction, Message
from helpline.core.activity import record
from helpline.core.errors import ActionError, refuse_unknown
from helpline.core.models import Role, User
from helpline.core.windows import check_coaching_day, check_coaching_moment
from helpline.feedback.models import Answer, bad_scores
from helpline.quality import people, sampling, scoring
from helpline.quality.models import (
    CoachingSession,
    Criterion,
    Goal,
    Pick,
    PickReason,
    Review,
    ReviewAnswer,
    ReviewComment,
    Scorecard,
    Training,
    WeeklySample,
)
from helpline.quality.verbs import Verb
from helpline.recovery.models import RecoveryCase, RecoveryTrigger

MAX_TEXT = 5000
SCALE_LIMITS = (0, 10)
WEIGHT_LIMITS = (1, 100)


def _require_reviewer(actor: User) -> None:
    if not people.may_review(actor):
        raise PermissionError("Only managers and admins review, coach and edit the scorecard.")


def _require_manager_of(actor: User, agent: User) -> None:
    _require_reviewer(actor)
    if not people.manages(actor, agent):
        raise PermissionError("Only the agent's manager or an admin may do that.")


def _text(value, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        raise ActionError("text expected", field)
    if required and not text:
        raise ActionError("this cannot be empty", field)
    if "\x00" in text:
        raise ActionError("a character that cannot be stored (NUL)", field)
    if len(text) > limit:
        raise ActionError(f"at most {limit} characters", field)
    return text


def _whole(value, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ActionError(f"a whole number from {low} to {high}", field)
    if not low <= value <= high:
        raise ActionError(f"a whole number from {low} to {high}", field)
    return value


def _flag(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise ActionError("true or false", field)
    return value


# The scorecard


def active_scorecard() -> Scorecard | None:
    return Scorecard.objects.filter(active=True).order_by("-created_at", "-id").first()


def _check_scale(low, high) -> tuple[int, int]:
    low = _whole(low, "scale_min", *SCALE_LIMITS)
    high = _whole(high, "scale_max", *SCALE_LIMITS)
    if high <= low:
        raise ActionError("higher than the lowest point", "scale_max")
    return low, high


@transaction.atomic
def create_scorecard(
    actor: User, name: str, scale_min: int = 1, scale_max: int = 5, active: bool = True
) -> Scorecard:
    _require_reviewer(actor)
    name = _text(name, "name", limit=200)
    low, high = _check_scale(scale_min, scale_max)
    if _flag(active, "active"):
        Scorecard.objects.filter(active=True).update(active=False)
    card = Scorecard.objects.create(name=name, scale_min=low, scale_max=high, active=active)
    record(actor, Verb.SCORECARD_CREATED, card, name=name, scale=[low, high], active=active)
    return card


@transaction.atomic
def change_scorecard(actor: User, scorecard: Scorecard, **changes) -> Scorecard:
    """Name, scale and which scorecard is in use; past reviews keep the scale they had."""
    _require_reviewer(actor)
    refuse_unknown(changes, {"name", "scale_min", "scale_max", "active"})
    card = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if "name" in changes:
        card.name = _text(changes["name"], "name", limit=200)
    if "scale_min" in changes or "scale_max" in changes:
        card.scale_min, card.scale_max = _check_scale(
            changes.get("scale_min", card.scale_min), changes.get("scale_max", card.scale_max)
        )
    if "active" in changes and _flag(changes["active"], "active") and not card.active:
        Scorecard.objects.filter(active=True).update(active=False)
        card.active = True
    elif "active" in changes and not changes["active"]:
        card.active = False
    card.save()
    shown = {k: v for k, v in changes.items()}
    record(actor, Verb.SCORECARD_CHANGED, card, **shown)
    scorecard.__dict__.update(card.__dict__)
    return card


CRITERION_FIELDS = {"name", "description", "weight", "allow_na", "auto_fail", "position", "active"}


def _criterion_values(values: dict) -> dict:
    refuse_unknown(values, CRITERION_FIELDS)
    clean: dict[str, str | int | bool] = {}
    for key, value in values.items():
        if key == "name":
            clean[key] = _text(value, key, limit=200)
        elif key == "description":
            clean[key] = _text(value, key, required=False)
        elif key == "weight":
            clean[key] = _whole(value, key, *WEIGHT_LIMITS)
        elif key == "position":
            clean[key] = _whole(value, key, 0, 10_000)
        else:
            clean[key] = _flag(value, key)
    return clean


@transaction.atomic
def add_criterion(actor: User, scorecard: Scorecard, **values) -> Criterion:
    _require_reviewer(actor)
    if "name" not in values:
        raise ActionError("this cannot be empty", "name")
    clean = _criterion_values(values)
    if "position" not in clean:
        last = scorecard.criteria.order_by("-position").values_list("position", flat=True).first()
        clean["position"] = (last or 0) + 1
    criterion = Criterion.objects.create(scorecard=scorecard, **clean)
    record(actor, Verb.CRITERION_ADDED, criterion, scorecard=scorecard.pk, **clean)
    return criterion


@transaction.atomic
def change_criterion(actor: User, criterion: Criterion, **changes) -> Criterion:
    """Past reviews keep the weight and auto-fail flag they were scored with."""
    _require_reviewer(actor)
    clean = _criterion_values(changes)
    Criterion.objects.filter(pk=criterion.pk).update(**clean)
    criterion.refresh_from_db()
    record(actor, Verb.CRITERION_CHANGED, criterion, **clean)
    return criterion


# Picking conversations


def week_bounds(agent: User, week: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 on the agent's clock."""
    start = datetime.combine(week, time(0), tzinfo=agent.zone())
    return start, start + timedelta(days=7)


def candidates(agent: User, week: date) -> dict[int, str]:
    """The conversations the agent replied in during the week that are not picked for them
    yet, each with the reason it weighs more (or "random")."""
    start, end = week_bounds(agent, week)
    pool = set(
        Message.objects.filter(
            author=agent,
            direction=Direction.OUTBOUND,
            created_at__gte=start,
            created_at__lt=end,
            conversation__location__isnull=False,
        )
        .values_list("conversation_id", flat=True)
        .distinct()
    )
    pool -= set(
        Pick.objects.filter(agent=agent, conversation_id__in=pool).values_list(
            "conversation_id", flat=True
        )
    )
    if not pool:
        return {}
    ids = list(pool)
    bad = set(
        Answer.objects.filter(bad_scores(), conversation_id__in=ids).values_list(
            "conversation_id", flat=True
        )
    )
    recovery = set(
        RecoveryCase.objects.filter(conversation_id__in=ids).values_list(
            "conversation_id", flat=True
        )
    ) | set(
        RecoveryTrigger.objects.filter(conversation_id__in=ids).values_list(
            "conversation_id", flat=True
        )
    )
    reasons: dict[int, str] = {}
    for conversation_id in ids:
        if conversation_id in bad:
            reasons[conversation_id] = PickReason.RATED_BADLY
        elif conversation_id in recovery:
            reasons[conversation_id] = PickReason.RECOVERY
        else:
            reasons[conversation_id] = PickReason.RANDOM
    return reasons


def pick_week(
    actor: User | None,
    agent: User,
    week: date,
    *,
    base_seed: str | None = None,
    per_week: int | None = None,
) -> tuple[WeeklySample, bool]:
    """Pick the agent's conversations of the week for review, once: a second call (the beat
    task and a manager's button, or two workers) returns the first sample unchanged.
    Returns (the sample, whether this call made it)."""
    if actor is not None:
        _require_manager_of(actor, agent)
    week = sampling.week_of(week)
    existing = WeeklySample.objects.filter(agent=agent, week=week).first()
    if existing is not None:
        return existing, False
    base = base_seed if base_seed is not None else settings.HELPLINE_QA_SEED
    seed = sampling.seed_for(base, agent.pk, week)
    size = per_week if per_week is not None else settings.HELPLINE_QA_PICKS_PER_WEEK
    reasons = candidates(agent, week)
    weights = {
        cid: (1.0 if reason == PickReason.RANDOM else float(sampling.OVERSAMPLE))
        for cid, reason in reasons.items()
    }
    chosen = sampling.choose(weights, size, seed)
    try:
        with transaction.atomic():
            sample = WeeklySample.objects.create(
                agent=agent, week=week, seed=seed, pool=len(reasons), picked_by=actor
            )
            Pick.objects.bulk_create(
                [
                    Pick(
                        agent=agent,
                        conversation_id=cid,
                        week=week,
                        reason=reasons[cid],
                        sample=sample,
                        picked_by=actor,
                    )
                    for cid in chosen
                ]
            )
            record(
                actor,
                Verb.WEEK_PICKED,
                sample,
                agent=agent.pk,
                week=week.isoformat(),
                seed=seed,
                pool=len(reasons),
                conversations=chosen,
            )
    except IntegrityError:  # another worker or manager sampled the week at the same moment
        return WeeklySample.objects.get(agent=agent, week=week), False
    return sample, True


def last_week(agent: User, now: datetime | None = None) -> date:
    today = timezone.localtime(now or timezone.now(), agent.zone()).date()
    return sampling.week_of(today) - timedelta(days=7)


def pick_last_week(actor: User | None, now: datetime | None = None) -> dict:
    """Last week's picks for every agent the actor manages (the button), or for every active
    agent (the beat task, actor None). Safe to run any number of times."""
    if actor is None:
        agents = User.objects.filter(is_active=True, role=Role.AGENT)
    else:
        _require_reviewer(actor)
        agents = people.managed_by(actor).filter(is_active=True, role=Role.AGENT)
    made = picks = 0
    for agent in agents.order_by("pk"):
        sample, created = pick_week(actor, agent, last_week(agent, now))
        if created:
            made += 1
            picks += sample.picks.count()
    return {"weeks_sampled": made, "picked": picks}


@transaction.atomic
def choose(actor: User, conversation: Conversation, agent: User) -> Pick:
    """A reviewer picks a conversation of an agent's themselves (outside the weekly draw)."""
    _require_manager_of(actor, agent)
    if not Conversation.objects.visible_to(actor).filter(pk=conversation.pk).exists():
        raise ActionError("no such conversation", "conversation_id")
    existing = Pick.objects.filter(agent=agent, conversation=conversation).first()
    if existing is not None:
        return existing
    pick = Pick.objects.create(
        agent=agent,
        conversation=conversation,
        week=sampling.week_of(timezone.localtime(timezone.now(), agent.zone())),
        reason=PickReason.CHOSEN,
        picked_by=actor,
    )
    record(actor, Verb.CHOSEN, pick, agent=agent.pk, conversation=conversation.pk)
    return pick


# Reviews


def may_score(actor: User, pick: Pick) -> bool:
    return people.may_review(actor) and people.manages(actor, pick.agent)


def _check_answers(scorecard: Scorecard, values: dict) -> list[tuple[Criterion, int | None]]:
    criteria = list(scorecard.criteria.filter(active=True))
    if not criteria:
        raise ActionError("the scorecard has no criteria yet", "scores")
    known = {c.pk for c in criteria}
    for key in values:
        if key not in known:
            raise ActionError(f"no such criterion on the scorecard: {key}", f"scores.{key}")
    checked = []
    for criterion in criteria:
        field = f"scores.{criterion.pk}"
        if criterion.pk not in values:
            raise ActionError(f"score “{criterion.name}”", field)
        value = values[criterion.pk]
        if value is None:
            if not criterion.allow_na:
                raise ActionError(f"“{criterion.name}” cannot be N/A", field)
        else:
            value = _whole(value, field, scorecard.scale_min, scorecard.scale_max)
        checked.append((criterion, value))
    return checked


@transaction.atomic
def review(
    actor: User,
    pick: Pick,
    scores: dict[int, int | None],
    note: str = "",
    *,
    at: datetime | None = None,
) -> Review:
    """Score a pick on the scorecard in use (a second review by the same reviewer changes
    theirs). `scores` maps every active criterion's id to a point of the scale, or None
    for N/A. `at` dates history recorded after the fact (the demo)."""
    pick = Pick.objects.select_related("agent").get(pk=pick.pk)
    if not may_score(actor, pick):
        raise PermissionError("Only the agent's manager or an admin reviews their work.")
    note = _text(note, "note", required=False)
    mine = Review.objects.select_for_update().filter(pick=pick, reviewer=actor).first()
    scorecard = mine.scorecard if mine is not None else active_scorecard()
    if scorecard is None:
        raise ActionError("there is no scorecard yet: a manager sets one up first", "scores")
    checked = _check_answers(scorecard, scores)
    result = scoring.score(
        [scoring.Mark(value, c.weight, c.auto_fail) for c, value in checked],
        scorecard.scale_min,
        scorecard.scale_max,
    )
    now = at or timezone.now()
    if mine is None:
        mine = Review.objects.create(
            pick=pick,
            reviewer=actor,
            scorecard=scorecard,
            scale_min=scorecard.scale_min,
            scale_max=scorecard.scale_max,
            score=result.percent,
            auto_failed=result.auto_failed,
            note=note,
            submitted_at=now,
        )
        verb = Verb.REVIEWED
    else:
        mine.score, mine.auto_failed, mine.note, mine.changed_at = (
            result.percent,
            result.auto_failed,
            note,
            now,
        )
        mine.save()
        mine.answers.all().delete()
        verb = Verb.REVIEW_CHANGED
    ReviewAnswer.objects.bulk_create(
        [
            ReviewAnswer(
                review=mine, criterion=c, value=value, weight=c.weight, auto_fail=c.auto_fail
            )
            for c, value in checked
        ]
    )
    record(
        actor,
        verb,
        mine,
        at=now,
        pick=pick.pk,
        agent=pick.agent_id,
        conversation=pick.conversation_id,
        score=result.percent,
        auto_failed=result.auto_failed,
        scores={str(c.pk): value for c, value in checked},
    )
    return mine


def may_see_review(user: User, review: Review) -> bool:
    return review.reviewer_id == user.pk or people.sees_record_of(user, review.pick.agent)


@transaction.atomic
def comment(actor: User, review: Review, text: str) -> ReviewComment:
    """A reply on a review: the agent's, the reviewer's, their manager's."""
    if not may_see_review(actor, review):
        raise PermissionError("Only the agent, the reviewer and their managers reply here.")
    text = _text(text, "text")
    reply = ReviewComment.objects.create(review=review, author=actor, text=text)
    record(actor, Verb.COMMENTED, review, comment=reply.pk, text=text)
    return reply


# Coaching


def _goal_texts(goals) -> list[tuple[str, date | None]]:
    if goals is None:
        return []
    if not isinstance(goals, list | tuple):
        raise ActionError("a list of goals", "goals")
    texts = []
    for i, goal in enumerate(goals):
        due = None
        if isinstance(goal, tuple):
            goal, due = goal
        text = _text(goal, f"goals.{i}", required=False, limit=500)
        if due is not None:
            check_coaching_day(due, f"goals.{i}.due_on")
        if text:
            texts.append((text, due))
    return texts


@transaction.atomic
def hold_session(
    actor: User,
    agent: User,
    held_at: datetime,
    notes: str = "",
    follow_up_on: date | None = None,
    goals=None,
) -> CoachingSession:
    """A coaching session with its notes, the goals agreed (text, or (text, due day)) and
    the day to follow up."""
    _require_manager_of(actor, agent)
    check_coaching_moment(held_at, "held_at")
    notes = _text(notes, "notes", required=False)
    if follow_up_on is not None:
        check_coaching_day(follow_up_on, "follow_up_on")
    agreed = _goal_texts(goals)
    session = CoachingSession.objects.create(
        agent=agent, coach=actor, held_at=held_at, notes=notes, follow_up_on=follow_up_on
    )
    made = Goal.objects.bulk_create(
        [Goal(agent=agent, session=session, text=text, due_on=due) for text, due in agreed]
    )
    record(
        actor,
        Verb.COACHED,
        session,
        agent=agent.pk,
        follow_up_on=follow_up_on.isoformat() if follow_up_on else None,
        goals=[g.text for g in made],
    )
    return session


@transaction.atomic
def set_goal(actor: User, agent: User, text: str, due_on: date | None = None) -> Goal:
    _require_manager_of(actor, agent)
    text = _text(text, "text", limit=500)
    if due_on is not None:
        check_coaching_day(due_on, "due_on")
    goal = Goal.objects.create(agent=agent, text=text, due_on=due_on)
    record(actor, Verb.GOAL_SET, goal, agent=agent.pk, text=text)
    return goal


@transaction.atomic
def complete_goal(actor: User, goal: Goal, *, at: datetime | None = None) -> Goal:
    """The agent or their manager marks a goal met; marking it again changes nothing."""
    goal = Goal.objects.select_for_update().select_related("agent").get(pk=goal.pk)
    if not people.sees_record_of(actor, goal.agent):
        raise PermissionError("Only the agent and their managers mark goals done.")
    if goal.done_at is None:
        goal.done_at, goal.done_by = at or timezone.now(), actor
        goal.save(update_fields=["done_at", "done_by"])
        record(actor, Verb.GOAL_DONE, goal, at=goal.done_at, agent=goal.agent_id)
    return goal


@transaction.atomic
def log_training(
    actor: User,
    agent: User,
    title: str,
    on: date,
    minutes: int | None = None,
    note: str = "",
) -> Training:
    """A training the agent took: logged by the agent or their manager."""
    if not people.sees_record_of(actor, agent):
        raise PermissionError("Only the agent and their managers log their trainings.")
    title = _text(title, "title", limit=200)
    check_coaching_day(on, "on")
    if minutes is not None:
        minutes = _whole(minutes, "minutes", 1, 100_000)
    note = _text(note, "note", required=False)
    training = Training.objects.create(
        agent=agent, title=title, on=on, minutes=minutes, note=note, logged_by=actor
    )
    record(actor, Verb.TRAINING_LOGGED, training, agent=agent.pk, title=title, on=on.isoformat())
    return training


def reviews_seen_by(user: User):
    """Reviews the user may read: about themselves, written by them, or of those they
    manage."""
    return Review.objects.filter(
        Q(reviewer=user) | Q(pick__agent__in=people.visible_agent_ids(user))
    )


def picks_seen_by(user: User):
    return Pick.objects.filter(agent__in=people.visible_agent_ids(user))
