"""/api/callbacks: the calls to return, asking for one, and saying what became of a try."""

from datetime import datetime
from typing import Literal

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from helpline.api import lookups
from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import ErrorOut
from helpline.callbacks import actions
from helpline.callbacks.models import Callback, CallbackStatus, Outcome

router = Router(tags=["callbacks"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
SOONEST_DUE = Ordering("callbacks", (Key("due_at", datetime=True), Key("id")))
OutcomeName = Literal[tuple(Outcome.values)]


class CallbackOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    conversation_id: int | None
    location_id: int | None
    phone_number: str
    reason: str
    status: str
    due_at: datetime
    attempts: int
    max_attempts: int
    created_at: datetime
    closed_at: datetime | None
    closed_reason: str

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return str(obj.customer)


class CallbackPage(Schema):
    items: list[CallbackOut]
    next_cursor: str | None


class CallbackIn(Schema):
    customer_id: int
    phone_number: str = Field(..., min_length=1, max_length=64)
    due_at: datetime | None = Field(
        None, description="When to call; moved to the next opening when the location is closed"
    )
    reason: Literal["requested"] = "requested"


class AttemptIn(Schema):
    outcome: OutcomeName
    note: str = Field("", max_length=2000)


def _callbacks():
    return Callback.objects.select_related("customer")


@router.get("/callbacks", response={200: CallbackPage, **ERRORS})
def list_callbacks(request, page: Query[PageParams]) -> dict:
    """Open callbacks at the locations you serve, soonest due first."""
    callbacks = _callbacks().visible_to(request.auth).filter(status=CallbackStatus.OPEN)
    return paginate(callbacks, SOONEST_DUE, page)


@router.post("/callbacks", response={200: CallbackOut, 201: CallbackOut, **ERRORS})
def create_callback(request, payload: CallbackIn):
    """Ask for a call back; 200 with the open one when the number already has one."""
    customer = lookups.customer(request.auth, payload.customer_id)
    asked_at = timezone.now()
    callback = actions.create_callback(
        request.auth, customer, payload.phone_number, payload.reason, due_at=payload.due_at
    )
    created = callback.created_at >= asked_at
    return Status(201 if created else 200, _callbacks().get(pk=callback.pk))


@router.post("/callbacks/{int:callback_id}/attempts", response={201: CallbackOut, **ERRORS})
def record_callback_attempt(request, callback_id: int, payload: AttemptIn):
    """What became of a call back: reached closes it, others are tried again or flagged."""
    callback = Callback.objects.visible_to(request.auth).filter(pk=callback_id).first()
    if callback is None:
        raise Http404("No such callback")
    actions.record_attempt(request.auth, callback, payload.outcome, payload.note)
    return Status(201, _callbacks().get(pk=callback.pk))
