"""/api/webhooks: the outbound webhooks and their delivery log, read-only, for admins.

They are configured in the desk's settings (or Django's admin); the secret is never listed.
"""

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import ErrorOut
from helpline.webhooks.actions import may_manage_webhooks
from helpline.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

router = Router(tags=["webhooks"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
NEWEST_FIRST = Ordering(
    "webhook-deliveries",
    (Key("created_at", descending=True, datetime=True), Key("id", descending=True)),
)
StatusName = Literal[tuple(DeliveryStatus.values)]


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class DeliveryOut(Schema):
    id: int
    delivery_id: str
    event: str
    event_id: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    sent_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_delivery_id(obj) -> str:
        return str(obj.uuid)


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


class DeliveryFilters(PageParams):
    status: StatusName | None = None


def _require_admin(request) -> None:
    if not may_manage_webhooks(request.auth):
        raise HttpError(403, "only an admin sees webhooks")


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
def list_webhooks(request):
    """Every webhook, by name."""
    _require_admin(request)
    return Webhook.objects.order_by("name", "id")


@router.get("/webhooks/{int:webhook_id}/deliveries", response={200: DeliveryPage, **ERRORS})
def list_webhook_deliveries(request, webhook_id: int, page: Query[DeliveryFilters]) -> dict:
    """One webhook's deliveries, newest first; `delivery_id` is the Helpline-Delivery header."""
    _require_admin(request)
    if not Webhook.objects.filter(pk=webhook_id).exists():
        raise Http404("No such webhook")
    deliveries = WebhookDelivery.objects.filter(webhook_id=webhook_id)
    if page.status:
        deliveries = deliveries.filter(status=page.status)
    return paginate(deliveries, NEWEST_FIRST, page)
