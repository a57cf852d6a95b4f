"""/api/recovery: service recovery cases at the locations you serve, their steps, closing."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import ErrorOut
from helpline.recovery import actions, reports
from helpline.recovery.models import CaseStatus, RecoveryCase, Step, SurveyKind

router = Router(tags=["recovery"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
SOONEST_DUE = Ordering("recovery", (Key("due_at", datetime=True), Key("id")))
LATEST = Ordering(
    "recovery-latest",
    (Key("opened_at", descending=True, datetime=True), Key("id", descending=True)),
)
StepName = Literal[tuple(Step.values)]
KindName = Literal[tuple(SurveyKind.values)]


class TriggerOut(Schema):
    kind: str
    conversation_id: int | None
    detail: dict
    at: datetime


class StepOut(Schema):
    id: int
    step: str
    actor_id: int | None
    at: datetime
    note: str
    goodwill_kind: str
    goodwill_amount: Decimal | None
    goodwill_currency: str


class CaseOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    conversation_id: int | None
    location_id: int | None
    owner_id: int | None
    status: str
    opened_at: datetime
    due_at: datetime
    first_touched_at: datetime | None
    closed_at: datetime | None
    root_cause: str | None
    what_changed: str
    follow_up_kind: str
    outcome: str
    outcome_score: int | None
    next_step: str | None
    triggers: list[TriggerOut]
    steps: list[StepOut]

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return str(obj.customer)

    @staticmethod
    def resolve_root_cause(obj) -> str | None:
        return obj.root_cause.name if obj.root_cause_id else None

    @staticmethod
    def resolve_next_step(obj) -> str | None:
        return obj.next_step() if obj.status == CaseStatus.OPEN else None

    @staticmethod
    def resolve_triggers(obj) -> list:
        return list(obj.triggers.all())

    @staticmethod
    def resolve_steps(obj) -> list:
        return list(obj.steps.all())


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class CaseFilter(Schema):
    status: Literal["open", "closed"] = "open"
    customer_id: int | None = None


class StepIn(Schema):
    step: StepName
    note: str = Field("", max_length=5000)
    goodwill_kind: Literal["", "refund", "voucher", "gift"] = ""
    goodwill_amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    goodwill_currency: str = Field("", max_length=3)


class CloseIn(Schema):
    root_cause_id: int
    what_changed: str = Field(..., min_length=1, max_length=5000)
    follow_up_kind: KindName | Literal[""] = ""


class RateOut(Schema):
    key: str | None
    label: str
    recovered: int
    not_recovered: int
    count: int
    rate: float | None
    unknown: int
    waiting: int
    open: int

    @staticmethod
    def resolve_key(obj) -> str | None:
        return None if obj.key is None else str(obj.key)


class RatesOut(Schema):
    overall: RateOut
    by_location: list[RateOut]
    by_owner: list[RateOut]
    by_trigger: list[RateOut]
    root_causes: list[RateOut]


def _cases(user):
    return (
        RecoveryCase.objects.visible_to(user)
        .select_related("root_cause", "customer")
        .prefetch_related("triggers", "steps")
    )


def _case(user, case_id: int) -> RecoveryCase:
    case = _cases(user).filter(pk=case_id).first()
    if case is None:
        raise Http404("No such recovery case")
    return case


@router.get("/recovery/cases", response={200: CasePage, **ERRORS})
def list_recovery_cases(request, page: Query[PageParams], filters: Query[CaseFilter]) -> dict:
    """Open cases soonest due first; closed ones latest first."""
    cases = _cases(request.auth).filter(status=filters.status)
    if filters.customer_id is not None:
        cases = cases.filter(customer_id=filters.customer_id)
    return paginate(cases, SOONEST_DUE if filters.status == "open" else LATEST, page)


@router.get("/recovery/cases/{int:case_id}", response={200: CaseOut, **ERRORS})
def get_recovery_case(request, case_id: int):
    return _case(request.auth, case_id)


@router.post("/recovery/cases/{int:case_id}/steps", response={201: CaseOut, **ERRORS})
def record_recovery_step(request, case_id: int, payload: StepIn):
    """Record the next step of the playbook (amends may carry goodwill)."""
    case = _case(request.auth, case_id)
    actions.record_step(
        request.auth,
        case,
        payload.step,
        payload.note,
        payload.goodwill_kind,
        payload.goodwill_amount,
        payload.goodwill_currency,
    )
    return Status(201, _case(request.auth, case_id))


@router.post("/recovery/cases/{int:case_id}/close", response={200: CaseOut, **ERRORS})
def close_recovery_case(request, case_id: int, payload: CloseIn):
    """Close with the root cause and what was changed; the follow-up survey goes out."""
    case = _case(request.auth, case_id)
    actions.close(
        request.auth, case, payload.root_cause_id, payload.what_changed, payload.follow_up_kind
    )
    return _case(request.auth, case_id)


@router.get("/recovery/rates", response={200: RatesOut, **ERRORS})
def recovery_rates(request):
    """Recovery rate = recovered / (recovered + not recovered), with unknown beside it."""
    cases = RecoveryCase.objects.visible_to(request.auth)
    return {
        "overall": reports.overall(cases),
        "by_location": reports.by_location(cases),
        "by_owner": reports.by_owner(cases),
        "by_trigger": reports.by_trigger(cases),
        "root_causes": reports.root_causes(cases),
    }
