"""/api/survey-policies, /api/surveys, /api/survey-answers: which survey follows a solved
conversation, the surveys sent and answered, and their answers (helpline.feedback).

Everyone signed in reads the policies; admins change them. Surveys and answers are those of
the locations you serve (admins: all).
"""

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from helpline.access import get_conversation_for
from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import ChannelName, ErrorOut
from helpline.feedback import actions
from helpline.feedback.models import Answer, Kind, Survey, SurveyPolicy, SurveyStatus

router = Router(tags=["surveys"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
KindName = Literal[tuple(Kind.values)]
StatusName = Literal[tuple(SurveyStatus.values)]
LanguageName = Literal["en", "de", "es", "fr"]
NEWEST_SURVEYS = Ordering("surveys", (Key("id", descending=True),))
NEWEST_ANSWERS = Ordering("survey-answers", (Key("id", descending=True),))


class PolicyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    position: int | None = Field(None, ge=0, le=1_000_000)
    active: bool | None = None
    location_id: int | None = None
    channel: ChannelName | None = None
    mailbox_id: int | None = None
    kind: KindName | None = None
    delay_minutes: int | None = Field(None, ge=0, le=366 * 24 * 60, description="Business minutes")
    every_days: int | None = Field(None, ge=0, le=3660, description="0: every time")
    reminder_after_days: int | None = Field(None, ge=1, le=60, description="null: no reminder")
    language: LanguageName | None = Field(None, description="null: the customer's")


class PolicyIn(PolicyPatch):
    name: str = Field(..., min_length=1, max_length=200)
    position: int = Field(0, ge=0, le=1_000_000)
    active: bool = True
    kind: KindName = "csat"
    delay_minutes: int = Field(60, ge=0, le=366 * 24 * 60, description="Business minutes")
    every_days: int = Field(14, ge=0, le=3660, description="0: every time")


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    active: bool
    location_id: int | None
    channel: str | None
    mailbox_id: int | None
    kind: str
    delay_minutes: int
    every_days: int
    reminder_after_days: int | None
    language: str | None

    @staticmethod
    def resolve_channel(obj) -> str | None:
        return obj.channel or None

    @staticmethod
    def resolve_language(obj) -> str | None:
        return obj.language or None


class AnswerOut(Schema):
    id: int
    survey_id: int
    kind: str
    score: int
    comment: str
    customer_id: int | None
    conversation_id: int | None
    location_id: int | None
    agent_id: int | None = Field(description="Credited at the moment it was answered")
    team_id: int | None
    answered_at: datetime
    changed_at: datetime | None


class SurveyOut(Schema):
    id: int
    kind: str
    purpose: str
    status: str
    customer_id: int | None
    conversation_id: int | None
    location_id: int | None
    recovery_case_id: int | None
    language: str
    recipient: str
    due_at: datetime | None
    sent_at: datetime | None
    reminded_at: datetime | None
    withdrawn_at: datetime | None
    not_sent_because: str
    answer: AnswerOut | None

    @staticmethod
    def resolve_answer(obj) -> Answer | None:
        return getattr(obj, "answer", None)


class SurveyPage(Schema):
    items: list[SurveyOut]
    next_cursor: str | None


class AnswerPage(Schema):
    items: list[AnswerOut]
    next_cursor: str | None


class PredictionIn(Schema):
    score: int = Field(..., ge=0, le=10)
    kind: KindName | None = None


class PredictionOut(Schema):
    id: int
    conversation_id: int
    agent_id: int | None
    kind: str
    score: int
    created_at: datetime


def _values(payload: Schema, *, partial: bool) -> dict:
    given = payload.model_dump(exclude_unset=partial)
    renamed = {"location_id": "location", "mailbox_id": "mailbox"}
    return {renamed.get(name, name): value for name, value in given.items()}


def _policy(policy_id: int) -> SurveyPolicy:
    policy = SurveyPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise Http404("No such policy")
    return policy


@router.get("/survey-policies", response={200: list[PolicyOut], **ERRORS})
def list_survey_policies(request):
    """Every policy, in the order they are tried: the first that matches applies."""
    return SurveyPolicy.objects.order_by("position", "id")


@router.get("/survey-policies/{int:policy_id}", response={200: PolicyOut, **ERRORS})
def get_survey_policy(request, policy_id: int):
    return _policy(policy_id)


@router.post("/survey-policies", response={201: PolicyOut, **ERRORS})
def create_survey_policy(request, payload: PolicyIn):
    policy = actions.create_policy(request.auth, **_values(payload, partial=False))
    return Status(201, policy)


@router.patch("/survey-policies/{int:policy_id}", response={200: PolicyOut, **ERRORS})
def update_survey_policy(request, policy_id: int, payload: PolicyPatch):
    policy = _policy(policy_id)
    return actions.update_policy(request.auth, policy, **_values(payload, partial=True))


@router.delete("/survey-policies/{int:policy_id}", response={204: None, **ERRORS})
def delete_survey_policy(request, policy_id: int):
    actions.delete_policy(request.auth, _policy(policy_id))
    return Status(204, None)


class SurveyFilters(Schema):
    status: StatusName | None = None
    conversation_id: int | None = None


@router.get("/surveys", response={200: SurveyPage, **ERRORS})
def list_surveys(request, page: Query[PageParams], filters: Query[SurveyFilters]) -> dict:
    """Surveys at the locations you serve, newest first, with their answer."""
    surveys = Survey.objects.visible_to(request.auth).select_related("answer")
    if filters.status:
        surveys = surveys.filter(status=filters.status)
    if filters.conversation_id is not None:
        surveys = surveys.filter(conversation_id=filters.conversation_id)
    return paginate(surveys, NEWEST_SURVEYS, page)


@router.get("/surveys/{int:survey_id}", response={200: SurveyOut, **ERRORS})
def get_survey(request, survey_id: int):
    survey = (
        Survey.objects.visible_to(request.auth)
        .select_related("answer")
        .filter(pk=survey_id)
        .first()
    )
    if survey is None:
        raise Http404("No such survey")
    return survey


class AnswerFilters(Schema):
    kind: KindName | None = None
    customer_id: int | None = None


@router.get("/survey-answers", response={200: AnswerPage, **ERRORS})
def list_survey_answers(request, page: Query[PageParams], filters: Query[AnswerFilters]) -> dict:
    """Answers at the locations you serve (kiosk answers included), newest first."""
    answers = Answer.objects.visible_to(request.auth)
    if filters.kind:
        answers = answers.filter(kind=filters.kind)
    if filters.customer_id is not None:
        answers = answers.filter(customer_id=filters.customer_id)
    return paginate(answers, NEWEST_ANSWERS, page)


@router.get("/survey-answers/{int:answer_id}", response={200: AnswerOut, **ERRORS})
def get_survey_answer(request, answer_id: int):
    answer = Answer.objects.visible_to(request.auth).filter(pk=answer_id).first()
    if answer is None:
        raise Http404("No such answer")
    return answer


@router.post(
    "/conversations/{int:conversation_id}/survey-prediction",
    response={201: PredictionOut, **ERRORS},
)
def predict_survey_score(request, conversation_id: int, payload: PredictionIn):
    """The score the agent expects the customer to give (never shown to the customer)."""
    conversation = get_conversation_for(request.auth, conversation_id)
    prediction = actions.predict(request.auth, conversation, payload.score, payload.kind or "")
    return Status(201, prediction)
