"""What the API reads and writes. Output schemas read model instances directly."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime

from helpline.conversations.models import Channel, Delivery, Direction, MessageKind
from helpline.conversations.models import Priority as PriorityChoice
from helpline.conversations.models import Status as StatusChoice
from helpline.core import windows
from helpline.core.errors import ActionError
from helpline.customers.fields import typed
from helpline.customers.models import IdentityKind, Language

StatusName = Literal[tuple(StatusChoice.values)]
PriorityName = Literal[tuple(PriorityChoice.values)]
ChannelName = Literal[tuple(Channel.values)]
IdentityKindName = Literal[tuple(IdentityKind.values)]
LanguageName = Literal[("", *Language.values)]
DeliveryName = Literal[tuple(Delivery.values)]
DirectionName = Literal[tuple(Direction.values)]
MessageKindName = Literal[tuple(MessageKind.values)]

# PostgreSQL refuses NUL in text: say so for the field instead of failing in the database.
NO_NUL = r"^[^\x00]*$"


def _within_a_century(moment: datetime) -> datetime:
    try:
        return windows.check_filter(moment, "")
    except ActionError as error:
        raise ValueError(str(error)) from None


# A moment with its time zone that filters a list or names a span, bounded by
# helpline.core.windows.check_filter (9999-12-31T23:59:59-23:59 cannot be read in UTC). A
# moment an action keeps (a due time, a call's start) is checked by the action's own window.
Moment = Annotated[AwareDatetime, AfterValidator(_within_a_century)]


class ErrorItem(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    detail: list[ErrorItem]


class Ref(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    username: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.get_full_name() or obj.username


# Customers


class IdentityOut(Schema):
    id: int
    kind: str
    value: str


class NoteOut(Schema):
    id: int
    body: str
    author: UserRef | None
    created_at: datetime


class CustomerOut(Schema):
    id: int
    name: str
    location: Ref | None
    company: Ref | None
    language: str = Field(
        ..., description='Mail to the customer is written in it; "" until set or detected'
    )
    merged_into_id: int | None
    identities: list[IdentityOut]
    custom_fields: dict[str, str | int | float] = Field(
        ..., description="Custom field values by key: numbers as numbers, dates as YYYY-MM-DD"
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_custom_fields(obj) -> dict:
        if isinstance(obj, dict):  # already dumped (a search hit)
            return obj["custom_fields"]
        return {v.field.key: typed(v.field, v.value) for v in obj.custom_values.all()}


class CustomerDetail(CustomerOut):
    notes: list[NoteOut]
    access: Literal["full", "shared"] = Field(
        ...,
        description='"full": a customer of a location you serve. "shared": another '
        "location's customer with conversations at yours: you get the name, company, "
        "language and the identities your conversations received; no location, notes or "
        "custom fields, and no changes (404). See docs/architecture.md.",
    )

    @staticmethod
    def resolve_access(obj) -> str:
        return str(getattr(obj, "access", "full"))

    @staticmethod
    def resolve_location(obj) -> dict | None:
        if getattr(obj, "access", "full") != "full" or obj.location is None:
            return None
        return {"id": obj.location.pk, "name": obj.location.name}


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class CustomerFilters(Schema):
    q: str | None = Field(
        None, max_length=200, pattern=NO_NUL, description="Part of a name, email or phone"
    )
    location: int | None = Field(None, ge=1, le=2**63 - 1, description="Home location id")
    company: int | None = Field(None, ge=1, le=2**63 - 1, description="Company id")
    field: str | None = Field(
        None, max_length=50, pattern=NO_NUL, description="A custom field's key, with `value`"
    )
    value: str | None = Field(
        None, max_length=500, pattern=NO_NUL, description="Customers whose `field` is this value"
    )


CUSTOM_FIELDS_DOC = (
    "Custom field values by key, each checked against its field's kind (text, number, "
    'date as YYYY-MM-DD, one of a choice field\'s options); null or "" removes a value. '
    "A key or value refused is a 400 naming `custom_fields.KEY`."
)
COMPANY_DOC = "The company's name: one of that name (any case) is used, else created"


class CustomerIn(Schema):
    name: str = Field("", max_length=200)
    location_id: int | None = Field(None, ge=1, le=2**63 - 1)
    emails: list[str] = Field(default_factory=list, max_length=20)
    phones: list[str] = Field(default_factory=list, max_length=20)
    company: str | None = Field(None, max_length=200, pattern=NO_NUL, description=COMPANY_DOC)
    language: LanguageName = ""
    custom_fields: dict[str, Any] = Field(
        default_factory=dict, max_length=100, description=CUSTOM_FIELDS_DOC
    )


class CustomerPatch(Schema):
    name: str | None = Field(None, max_length=200)
    location_id: int | None = Field(None, ge=1, le=2**63 - 1)
    company: str | None = Field(
        None, max_length=200, pattern=NO_NUL, description=COMPANY_DOC + "; null removes it"
    )
    language: LanguageName | None = Field(None, description='"" to detect it again')
    custom_fields: dict[str, Any] = Field(
        default_factory=dict, max_length=100, description=CUSTOM_FIELDS_DOC
    )


class CompanyFilters(Schema):
    q: str | None = Field(None, max_length=200, pattern=NO_NUL, description="Part of the name")


class CompanyOut(Schema):
    id: int
    name: str
    customer_count: int = Field(..., description="Of the customers you serve")
    created_at: datetime


class CustomFieldOut(Schema):
    key: str
    label: str
    kind: str
    choices: list[str]


class NoteIn(Schema):
    body: str = Field(..., min_length=1, max_length=20_000)


class IdentityIn(Schema):
    kind: IdentityKindName
    value: str = Field(..., min_length=1, max_length=320)


# Conversations


class SlaOut(Schema):
    """The conversation's service level clocks; a due time is empty while its clock is stopped."""

    policy: Ref
    response_due_at: datetime | None = Field(
        ..., description="First or next response due (business hours counted)"
    )
    resolution_due_at: datetime | None
    due_at: datetime | None = Field(..., description="The earliest running due time")
    breached: bool = Field(..., description="A running clock is past its due time now")
    paused_at: datetime | None = Field(
        ..., description="The resolution clock stopped: pending on the customer, solved or closed"
    )
    resolution_paused_seconds: int


class ConversationOut(Schema):
    id: int
    subject: str
    status: StatusName
    priority: PriorityName
    channel: ChannelName
    customer: Ref
    location: Ref | None
    team: Ref | None
    assignee: UserRef | None
    mailbox_id: int | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    last_customer_message_at: datetime | None
    last_message_at: datetime
    solved_at: datetime | None
    pending_until: datetime | None = Field(
        ..., description="Pending until then: the conversation reopens itself at that moment"
    )
    waiting_since: datetime | None = Field(
        ..., description="The customer's oldest message we have not answered"
    )
    sla: SlaOut | None = Field(..., description="Empty when no SLA policy applies")

    @staticmethod
    def resolve_sla(obj) -> dict | None:
        if obj.sla_policy_id is None:
            return None
        due = obj.sla_due_at
        return {
            "policy": {"id": obj.sla_policy_id, "name": obj.sla_policy.name},
            "response_due_at": obj.response_due_at,
            "resolution_due_at": obj.resolution_due_at,
            "due_at": due,
            "breached": due is not None and due <= timezone.now(),
            "paused_at": obj.paused_at,
            "resolution_paused_seconds": obj.resolution_paused_seconds,
        }

    @staticmethod
    def resolve_customer(obj) -> dict:
        return {"id": obj.customer_id, "name": str(obj.customer)}

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class ConversationFilters(Schema):
    status: StatusName | None = None
    channel: ChannelName | None = None
    priority: PriorityName | None = None
    location: int | None = Field(None, ge=1, le=2**63 - 1)
    team: int | None = Field(None, ge=1, le=2**63 - 1)
    assignee: str | None = Field(
        None, pattern=r"^(me|none|[1-9][0-9]{0,17})$", description='A user id, "me" or "none"'
    )
    tag: str | None = Field(None, max_length=64, pattern=NO_NUL)
    customer: int | None = Field(None, ge=1, le=2**63 - 1)
    updated_since: Moment | None = Field(
        None, description="ISO 8601 with a time zone, e.g. 2025-01-31T09:00:00Z"
    )
    order: Literal["last_message", "newest"] = Field(
        "last_message", description="last_message: latest activity first; newest: newest first"
    )


class ConversationIn(Schema):
    customer_id: int = Field(..., ge=1, le=2**63 - 1)
    channel: ChannelName
    subject: str = Field("", max_length=998)
    text: str = Field("", max_length=100_000)
    location_id: int | None = Field(None, ge=1, le=2**63 - 1)
    team_id: int | None = Field(None, ge=1, le=2**63 - 1)


class ConversationPatch(Schema):
    status: StatusName | None = None
    pending_until: AwareDatetime | None = Field(
        None, description="With status pending (given or current): reopen at this moment"
    )
    priority: PriorityName | None = None
    subject: str | None = Field(None, max_length=998)
    assignee_id: int | None = Field(None, ge=1, le=2**63 - 1, description="null unassigns")
    team_id: int | None = Field(None, ge=1, le=2**63 - 1)
    tags: list[str] | None = Field(None, max_length=50)


class ReplyIn(Schema):
    text: str = Field(..., min_length=1, max_length=100_000)
    html: str = Field("", max_length=500_000)
    to: str | None = Field(
        None, max_length=320, description="One address; empty: the customer's latest address"
    )
    cc: list[str] = Field(default_factory=list, max_length=50, description="Copies, one each")
    bcc: list[str] = Field(
        default_factory=list, max_length=50, description="Hidden copies, named in no header"
    )


class InternalNoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=100_000)


class ContactIn(Schema):
    """A phone call or an in-store visit an agent logs (a phone system reports calls itself,
    through /api/calls/events)."""

    channel: Literal["phone", "walk_in"]
    direction: DirectionName = Field(
        ..., description="inbound: the customer called or came in; outbound: we called them"
    )
    text: str = Field(..., min_length=1, max_length=100_000, description="What was said")
    waited_minutes: int | None = Field(
        None,
        ge=0,
        le=24 * 60,
        description="Inbound only: how long the customer waited to be helped (hold, queue)",
    )


# Messages


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    inline: bool
    url: str

    @staticmethod
    def resolve_url(obj, context) -> str:
        path = reverse("attachment-download", args=[obj.pk])
        request = (context or {}).get("request")
        return request.build_absolute_uri(path) if request is not None else path


class WaitOut(Schema):
    """How long an inbound message waited for our response; seconds are empty until then."""

    started_at: datetime
    answered_at: datetime | None
    wall_seconds: int | None
    business_seconds: int | None = Field(..., description="Within the location's opening hours")
    helped_after_seconds: int | None = Field(
        ..., description="A logged call or visit: the time the customer waited to be helped"
    )


class MessageOut(Schema):
    id: int
    conversation_id: int
    channel: ChannelName
    direction: DirectionName
    kind: MessageKindName
    author: UserRef | None
    identity: IdentityOut | None
    text: str
    html: str
    external_id: str
    delivery: DeliveryName
    delivery_error: str
    created_at: datetime
    attachments: list[AttachmentOut]
    wait: WaitOut | None = Field(..., description="Customer messages only; robots never wait")

    @staticmethod
    def resolve_wait(obj):
        try:
            return obj.wait
        except ObjectDoesNotExist:
            return None


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


# Merging customers


class MergeIn(Schema):
    into_id: int = Field(
        ..., ge=1, le=2**63 - 1, description="The customer that takes over everything"
    )


class EraseIn(Schema):
    confirm: str = Field(
        ...,
        max_length=300,
        description="The customer's name as shown (`name`, or `Customer #<id>` without one): "
        "typed again so that nobody erases the wrong customer by a slip",
    )


class EraseOut(Schema):
    activity_id: int = Field(..., description="The erasure's entry in the activity log")
    customer_id: int
    name: str = Field(..., description="What the customer is called from now on")
    erased: dict[str, int] = Field(
        ..., description="How many rows of each kind lost their personal data"
    )


class MergeOut(Schema):
    merge_id: int = Field(..., description="Pass to POST /api/customers/merges/{merge_id}/undo")
    customer: CustomerDetail = Field(..., description="The target, now holding everything")
