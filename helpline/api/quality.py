"""/api/quality: the scorecard, reviews of picked conversations (and their reply threads),
and coaching, with the desk's permissions (helpline.quality.people): your own, your team's
as their manager, everyone's as an admin; anything else is 404. Reviewing, coaching and
editing the scorecard are for managers and admins (403 for an agent)."""

import re
from datetime import date, datetime

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from helpline.api.errors import FieldError
from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import ErrorOut, Moment
from helpline.quality import actions, people
from helpline.quality.models import (
    CoachingSession,
    Criterion,
    Goal,
    Pick,
    Review,
    Scorecard,
    Training,
)

router = Router(tags=["quality"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
LATEST_REVIEWS = Ordering(
    "qa-reviews",
    (Key("submitted_at", descending=True, datetime=True), Key("id", descending=True)),
)
LATEST_PICKS = Ordering(
    "qa-picks", (Key("picked_at", descending=True, datetime=True), Key("id", descending=True))
)
DIGITS = re.compile(r"[0-9]{1,18}")


class CriterionOut(Schema):
    id: int
    name: str
    description: str
    weight: int
    allow_na: bool
    auto_fail: bool
    position: int
    active: bool


class ScorecardOut(Schema):
    id: int
    name: str
    scale_min: int
    scale_max: int
    active: bool
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(obj) -> list:
        return list(obj.criteria.all())


class ScorecardIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    scale_min: int = 1
    scale_max: int = 5
    active: bool = True


class ScorecardChange(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    scale_min: int | None = None
    scale_max: int | None = None
    active: bool | None = None


class CriterionIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    weight: int = 1
    allow_na: bool = True
    auto_fail: bool = False


class CriterionChange(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    weight: int | None = None
    allow_na: bool | None = None
    auto_fail: bool | None = None
    position: int | None = None
    active: bool | None = None


class AnswerOut(Schema):
    criterion_id: int
    criterion: str
    value: int | None
    weight: int
    auto_fail: bool

    @staticmethod
    def resolve_criterion(obj) -> str:
        return obj.criterion.name


class CommentOut(Schema):
    id: int
    author_id: int | None
    text: str
    created_at: datetime


class ReviewOut(Schema):
    id: int
    pick_id: int
    agent_id: int
    conversation_id: int
    conversation_subject: str
    reviewer_id: int | None
    scorecard_id: int
    scale_min: int
    scale_max: int
    score: float | None
    auto_failed: bool
    note: str
    submitted_at: datetime
    changed_at: datetime | None
    answers: list[AnswerOut]
    comments: list[CommentOut]

    @staticmethod
    def resolve_agent_id(obj) -> int:
        return obj.pick.agent_id

    @staticmethod
    def resolve_conversation_id(obj) -> int:
        return obj.pick.conversation_id

    @staticmethod
    def resolve_conversation_subject(obj) -> str:
        return obj.pick.conversation.subject

    @staticmethod
    def resolve_answers(obj) -> list:
        return list(obj.answers.all())

    @staticmethod
    def resolve_comments(obj) -> list:
        return list(obj.comments.all())


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_cursor: str | None


class PickOut(Schema):
    id: int
    agent_id: int
    conversation_id: int
    conversation_subject: str
    week: date
    reason: str
    picked_at: datetime
    reviews: int

    @staticmethod
    def resolve_conversation_subject(obj) -> str:
        return obj.conversation.subject

    @staticmethod
    def resolve_reviews(obj) -> int:
        return obj.reviews.count()


class PickPage(Schema):
    items: list[PickOut]
    next_cursor: str | None


class ReviewFilter(Schema):
    agent_id: int | None = Field(None, ge=1, le=2**63 - 1)


class ReviewIn(Schema):
    scores: dict[str, int | None] = Field(
        ..., description="Every criterion's id → a point of the scale, or null for N/A"
    )
    note: str = Field("", max_length=5000)


class CommentIn(Schema):
    text: str = Field(..., min_length=1, max_length=5000)


class GoalOut(Schema):
    id: int
    text: str
    due_on: date | None
    done_at: datetime | None
    session_id: int | None


class SessionOut(Schema):
    id: int
    agent_id: int
    coach_id: int | None
    held_at: datetime
    notes: str
    follow_up_on: date | None
    goals: list[GoalOut]

    @staticmethod
    def resolve_goals(obj) -> list:
        return list(obj.goals.all())


class TrainingOut(Schema):
    id: int
    title: str
    on: date
    minutes: int | None
    note: str
    logged_by_id: int | None


class CoachingOut(Schema):
    sessions: list[SessionOut]
    goals: list[GoalOut]
    trainings: list[TrainingOut]


class TrainingIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    on: date
    minutes: int | None = None
    note: str = Field("", max_length=5000)


class GoalIn(Schema):
    text: str = Field(..., min_length=1, max_length=500)
    due_on: date | None = None


class SessionIn(Schema):
    held_at: Moment
    notes: str = Field("", max_length=5000)
    follow_up_on: date | None = None
    goals: list[GoalIn] = Field(default_factory=list, max_length=20)


def _reviews(user):
    return (
        actions.reviews_seen_by(user)
        .select_related("pick__conversation")
        .prefetch_related("answers__criterion", "comments")
    )


def _review(user, review_id: int) -> Review:
    found = _reviews(user).filter(pk=review_id).first()
    if found is None:
        raise Http404("No such review")
    return found


def _require_editor(user) -> None:
    if not people.may_review(user):
        raise PermissionError("Only managers and admins edit the scorecard.")


@router.get("/quality/scorecards", response={200: list[ScorecardOut], **ERRORS})
def list_scorecards(request):
    """Every scorecard, the one in use first, with its criteria (everyone may read them)."""
    return list(Scorecard.objects.prefetch_related("criteria"))


@router.post("/quality/scorecards", response={201: ScorecardOut, **ERRORS})
def create_scorecard(request, payload: ScorecardIn):
    """A new scorecard; when `active`, the one reviewers use from now on."""
    card = actions.create_scorecard(
        request.auth, payload.name, payload.scale_min, payload.scale_max, payload.active
    )
    return Status(201, card)


@router.patch("/quality/scorecards/{int:scorecard_id}", response={200: ScorecardOut, **ERRORS})
def change_scorecard(request, scorecard_id: int, payload: ScorecardChange):
    _require_editor(request.auth)
    card = Scorecard.objects.filter(pk=scorecard_id).first()
    if card is None:
        raise Http404("No such scorecard")
    return actions.change_scorecard(request.auth, card, **payload.dict(exclude_none=True))


@router.post(
    "/quality/scorecards/{int:scorecard_id}/criteria", response={201: CriterionOut, **ERRORS}
)
def add_criterion(request, scorecard_id: int, payload: CriterionIn):
    _require_editor(request.auth)
    card = Scorecard.objects.filter(pk=scorecard_id).first()
    if card is None:
        raise Http404("No such scorecard")
    return Status(201, actions.add_criterion(request.auth, card, **payload.dict()))


@router.patch("/quality/criteria/{int:criterion_id}", response={200: CriterionOut, **ERRORS})
def change_criterion(request, criterion_id: int, payload: CriterionChange):
    _require_editor(request.auth)
    criterion = Criterion.objects.filter(pk=criterion_id).first()
    if criterion is None:
        raise Http404("No such criterion")
    return actions.change_criterion(request.auth, criterion, **payload.dict(exclude_none=True))


@router.get("/quality/picks", response={200: PickPage, **ERRORS})
def list_picks(request, page: Query[PageParams], filters: Query[ReviewFilter]) -> dict:
    """Conversations picked for review: yours, and your team's as their manager."""
    picks = actions.picks_seen_by(request.auth).select_related("conversation")
    if filters.agent_id is not None:
        picks = picks.filter(agent_id=filters.agent_id)
    return paginate(picks, LATEST_PICKS, page)


@router.get("/quality/reviews", response={200: ReviewPage, **ERRORS})
def list_reviews(request, page: Query[PageParams], filters: Query[ReviewFilter]) -> dict:
    """Reviews of your work, those you wrote, and your team's; latest first."""
    reviews = _reviews(request.auth)
    if filters.agent_id is not None:
        reviews = reviews.filter(pick__agent_id=filters.agent_id)
    return paginate(reviews, LATEST_REVIEWS, page)


@router.get("/quality/reviews/{int:review_id}", response={200: ReviewOut, **ERRORS})
def get_review(request, review_id: int):
    return _review(request.auth, review_id)


@router.post("/quality/picks/{int:pick_id}/reviews", response={201: ReviewOut, **ERRORS})
def review_pick(request, pick_id: int, payload: ReviewIn):
    """Score a pick on the scorecard in use; posting again changes your review. A second
    reviewer's review of the same pick is calibration."""
    pick = Pick.objects.select_related("agent").filter(pk=pick_id).first()
    if pick is None or not people.sees_record_of(request.auth, pick.agent):
        raise Http404("No such pick")
    scores: dict[int, int | None] = {}
    for key, value in payload.scores.items():
        if not DIGITS.fullmatch(key):
            raise FieldError(f"scores.{key}", "a criterion's id")
        scores[int(key)] = value
    made = actions.review(request.auth, pick, scores, payload.note)
    return Status(201, _review(request.auth, made.pk))


@router.post("/quality/reviews/{int:review_id}/comments", response={201: ReviewOut, **ERRORS})
def reply_to_review(request, review_id: int, payload: CommentIn):
    """A reply on the review's thread: the agent's, the reviewer's, their manager's."""
    found = _review(request.auth, review_id)
    actions.comment(request.auth, found, payload.text)
    return Status(201, _review(request.auth, review_id))


def _coaching(agent) -> dict:
    return {
        "sessions": list(
            CoachingSession.objects.filter(agent=agent).prefetch_related("goals")[:200]
        ),
        "goals": list(Goal.objects.filter(agent=agent)[:500]),
        "trainings": list(Training.objects.filter(agent=agent)[:500]),
    }


@router.get("/quality/agents/{int:agent_id}/coaching", response={200: CoachingOut, **ERRORS})
def get_coaching(request, agent_id: int):
    """An agent's coaching sessions, goals and trainings: theirs, their managers' and
    admins' to read."""
    return _coaching(people.get_agent_for(request.auth, agent_id))


@router.post("/quality/agents/{int:agent_id}/coaching", response={201: SessionOut, **ERRORS})
def add_coaching_session(request, agent_id: int, payload: SessionIn):
    """Record a session with its notes, the goals agreed and the day to follow up."""
    agent = people.get_agent_for(request.auth, agent_id)
    session = actions.hold_session(
        request.auth,
        agent,
        payload.held_at,
        payload.notes,
        payload.follow_up_on,
        [(g.text, g.due_on) for g in payload.goals],
    )
    return Status(201, session)


@router.post("/quality/agents/{int:agent_id}/trainings", response={201: TrainingOut, **ERRORS})
def log_training(request, agent_id: int, payload: TrainingIn):
    """A training the agent took, logged by the agent or their manager."""
    agent = people.get_agent_for(request.auth, agent_id)
    training = actions.log_training(
        request.auth, agent, payload.title, payload.on, payload.minutes, payload.note
    )
    return Status(201, training)


@router.post("/quality/goals/{int:goal_id}/done", response={200: GoalOut, **ERRORS})
def complete_goal(request, goal_id: int):
    goal = Goal.objects.select_related("agent").filter(pk=goal_id).first()
    if goal is None or not people.sees_record_of(request.auth, goal.agent):
        raise Http404("No such goal")
    return actions.complete_goal(request.auth, goal)
