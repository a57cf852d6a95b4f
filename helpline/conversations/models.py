"""Conversations and the messages on them, from every channel."""

from django.db import models

from helpline.core.durations import compact_duration
from helpline.core.models import Location, LocationScoped, Mailbox, Team, User
from helpline.customers.models import Customer, Identity


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    WEB = "web", "Web form"
    SMS = "sms", "SMS"
    WALK_IN = "walk_in", "Walk-in"


# Where the customer and we talk in person or on the line, rather than write.
LIVE_CHANNELS = (Channel.PHONE, Channel.WALK_IN)


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)

    def __str__(self):
        return self.name


# Conversations someone on our side still has to act on.
OPEN_STATUSES = (Status.NEW, Status.OPEN)
OPEN_WORK = models.Q(status__in=OPEN_STATUSES)


PREVIEW_LENGTH = 160


def preview_of(text: str) -> str:
    """A message's text on one line, as long as an inbox row's preview keeps."""
    return " ".join(text[: PREVIEW_LENGTH * 4].split())[:PREVIEW_LENGTH]


class Conversation(models.Model):
    subject = models.CharField(max_length=998, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(
        max_length=10, choices=Channel.choices, help_text="Channel of origin"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="conversations")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned"
    )
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL)
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The customer's oldest unanswered message; empty while nobody waits on us",
    )
    last_message_at = models.DateTimeField(help_text="Latest message, or the creation time")
    # Kept by the actions that add a message, so the inbox shows it without reading messages.
    preview = models.CharField(
        max_length=PREVIEW_LENGTH,
        blank=True,
        default="",
        help_text="The start of the latest message to or from the customer",
    )
    solved_at = models.DateTimeField(null=True, blank=True)
    pending_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Pending until then: the conversation reopens itself at that moment",
    )
    # Service level clocks, kept by helpline.sla.clocks.refresh (read that for what each holds).
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_paused_seconds = models.PositiveBigIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True, help_text="The earliest due time")
    sla_next_check_at = models.DateTimeField(null=True, blank=True)

    objects = LocationScoped.as_manager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            # The API's and the inbox's "latest activity first", for everyone and per location.
            models.Index(fields=["-last_message_at", "-id"], name="conversation_by_activity"),
            models.Index(
                fields=["location", "-last_message_at", "-id"],
                name="conversation_location_activity",
            ),
            models.Index(fields=["status", "last_customer_message_at"]),
            # The inbox: open work by waiting time (NULLS LAST is the ascending default),
            # for everyone, per assignee (mine, unassigned) and per location.
            models.Index(
                fields=["waiting_since", "id"], condition=OPEN_WORK, name="inbox_open_waiting"
            ),
            models.Index(
                fields=["assignee", "waiting_since", "id"],
                condition=OPEN_WORK,
                name="inbox_open_assignee",
            ),
            models.Index(
                fields=["location", "waiting_since", "id"],
                condition=OPEN_WORK,
                name="inbox_open_location",
            ),
            # The counts of "mine" and "unassigned" for an agent of some locations.
            models.Index(
                fields=["location", "assignee"],
                condition=OPEN_WORK,
                name="inbox_open_location_assignee",
            ),
            models.Index(
                fields=["status", "-last_message_at", "-id"], name="inbox_status_activity"
            ),
            # "Anything changed since?" for the inbox's polling and the API's updated_since.
            models.Index(fields=["updated_at"], name="conversation_updated"),
            models.Index(fields=["location", "status"]),
            models.Index(fields=["customer", "-created_at"]),
            # The inbox's "breaching soon" and "breached", and the escalation scan's queue.
            models.Index(fields=["sla_due_at", "id"], condition=OPEN_WORK, name="inbox_open_sla"),
            # The sweep that reopens conversations whose pending time is over.
            models.Index(
                fields=["pending_until"],
                condition=models.Q(status="pending", pending_until__isnull=False),
                name="pending_until_due",
            ),
            models.Index(
                fields=["sla_next_check_at"],
                condition=models.Q(sla_next_check_at__isnull=False),
                name="sla_next_check",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    def show_latest(self, message: "Message") -> None:
        """Take `message`'s time and preview if it is the latest (one recorded after the fact,
        older than the latest, changes neither)."""
        if message.created_at >= self.last_message_at:
            self.last_message_at = message.created_at
            self.preview = preview_of(message.text)

    @property
    def token(self) -> str:
        """The subject token that threads replies to this conversation."""
        return f"[#{self.pk}]"


class Direction(models.TextChoices):
    INBOUND = "inbound", "From the customer"
    OUTBOUND = "outbound", "To the customer"
    NOTE = "note", "Internal note"


class CallOutcome(models.TextChoices):
    """How a call went, in a phone message's meta "outcome" (phone systems and callbacks)."""

    ANSWERED = "answered", "Answered"
    MISSED = "missed", "Missed"
    VOICEMAIL = "voicemail", "Voicemail"
    ABANDONED = "abandoned", "Abandoned"  # the caller hung up before anyone answered


class MessageKind(models.TextChoices):
    NORMAL = "normal", "Normal"
    AUTO_REPLY = "auto_reply", "Auto-reply"
    BOUNCE = "bounce", "Bounce"
    BULK = "bulk", "Bulk or mailing list"


class Delivery(models.TextChoices):
    NOT_APPLICABLE = "", "—"
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNDELIVERED = "undelivered", "Bounced"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=12, choices=MessageKind.choices, default=MessageKind.NORMAL)
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, help_text="Customer side"
    )
    text = models.TextField(blank=True, help_text="The new part, without quoted history")
    full_text = models.TextField(blank=True)
    html = models.TextField(blank=True, help_text="Sanitised HTML")
    external_id = models.CharField(max_length=998, blank=True, help_text="e.g. the Message-ID")
    thread_key = models.CharField(max_length=998, blank=True, db_index=True)
    meta = models.JSONField(default=dict, blank=True)
    delivery = models.CharField(max_length=12, choices=Delivery.choices, blank=True, default="")
    delivery_error = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="message_unique_external_id",
            )
        ]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self):
        return f"{self.direction} {self.channel} on #{self.conversation_id}"

    @property
    def reached_customer(self) -> bool:
        """Whether this contact got through. Only a phone system's call records say it did not
        (meta "outcome" missed, voicemail, ...); a call logged by hand had someone on the line."""
        return self.meta.get("outcome", CallOutcome.ANSWERED) == CallOutcome.ANSWERED

    @property
    def talked_with_customer(self) -> bool:
        """A call or a visit in which one of us talked with the customer: whoever started it,
        it is the customer's contact and our response at once. A call nobody took is not."""
        return self.channel in LIVE_CHANNELS and self.reached_customer


class Wait(models.Model):
    """How long a customer's message waited for our response, kept for reports.

    One per inbound message of kind normal (robots never wait). It is answered by
    the first response after it (a reply, an outbound call), or at once when the
    agent logging a call or a visit says how long the customer waited to be helped.
    """

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="wait")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="waits")
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, help_text="For reports"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    started_at = models.DateTimeField(help_text="When the message arrived")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answered_waits",
        help_text="The reply or call that answered it; empty when helped on the spot",
    )
    wall_seconds = models.PositiveIntegerField(null=True, blank=True)
    business_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Within the location's opening hours"
    )
    helped_after_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="A call or a visit logged by an agent: the time in the queue or on hold",
    )

    class Meta:
        indexes = [
            models.Index(fields=["location", "started_at"], name="wait_location_started"),
            # The open waits a response answers.
            models.Index(
                fields=["conversation"],
                condition=models.Q(answered_at__isnull=True),
                name="wait_open_conversation",
            ),
        ]

    def __str__(self):
        return f"wait for message {self.message_id}"

    @property
    def wall_text(self) -> str:
        return compact_duration(self.wall_seconds)

    @property
    def business_text(self) -> str:
        return compact_duration(self.business_seconds)


def attachment_path(instance, filename):
    return f"attachments/{instance.message.conversation_id}/{instance.message_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)
    content_id = models.CharField(max_length=255, blank=True, help_text="For inline cid: images")
    inline = models.BooleanField(default=False)

    def __str__(self):
        return self.filename


class CannedReplyQuerySet(models.QuerySet):
    def visible_to(self, user: User):
        if user.sees_everything:
            return self
        return self.filter(
            models.Q(location__isnull=True) | models.Q(location_id__in=user.location_ids())
        )


class CannedReply(models.Model):
    """A ready answer agents insert into a reply; see conversations.canned for placeholders."""

    title = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Placeholders: {{customer.first_name}}, {{customer.name}}, "
        "{{agent.first_name}}, {{agent.name}}, {{conversation.id}}, {{conversation.subject}}"
    )
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Empty: for everyone",
    )

    objects = CannedReplyQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "canned replies"

    def __str__(self):
        return self.title


def identities_known_at(customer, location_ids) -> models.QuerySet:
    """The customer's identities that locations `location_ids` know: every one at the
    customer's home location, else those a message of their own conversations came from
    or went to. The rule of helpline.access for what a location that shares a customer sees,
    said by location so that actions (a reply's default address) keep to it too."""
    identities = Identity.objects.filter(customer=customer)
    if customer.location_id is not None and customer.location_id in location_ids:
        return identities
    used = Message.objects.filter(
        identity=models.OuterRef("pk"), conversation__location_id__in=location_ids
    )
    return identities.filter(models.Exists(used))
