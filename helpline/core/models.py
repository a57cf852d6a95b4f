"""The organisation: locations, teams, agents, mailboxes and the activity log."""

from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone


class Location(models.Model):
    name = models.CharField(max_length=200, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, for holidays")
    region = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    AGENT = "agent", "Agent"


class UserQuerySet(models.QuerySet):
    def serving(self, location_id: int | None):
        """The active people who may work on a row at this location: `User.serves`, as a query.

        A row without a location is for those who see everything (admins) only.
        """
        everything = models.Q(role=Role.ADMIN) | models.Q(is_superuser=True)
        if location_id is None:
            return self.filter(everything, is_active=True)
        return self.filter(everything | models.Q(locations=location_id), is_active=True).distinct()


class AgentManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]  # a base built at run time
    pass


class User(AbstractUser):
    """An agent, manager or admin of the desk."""

    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    locations = models.ManyToManyField(Location, blank=True, related_name="agents")
    # Empty: the zone of their first location (as they were given them), else the site's;
    # it follows a change of their locations until they choose one themselves.
    time_zone = models.CharField(max_length=64, blank=True, default="")
    signature = models.TextField(
        blank=True, help_text="Added below the agent's replies and forwards, before the mailbox's"
    )

    objects: ClassVar[AgentManager] = AgentManager()

    def _served(self) -> list[tuple[int, str]]:
        """(location id, its time zone) in the order they were given: one query a request,
        shared by the serving rule and the default time zone."""
        if not hasattr(self, "_served_cache"):
            through = User.locations.through.objects.filter(user_id=self.pk).order_by("id")
            self._served_cache = list(through.values_list("location_id", "location__timezone"))
        return self._served_cache

    def default_time_zone(self) -> str:
        served = self._served()
        first = served[0][1] if served else ""
        return first if is_time_zone(first) else settings.TIME_ZONE

    def zone(self) -> ZoneInfo:
        """The time zone the desk shows them every time in."""
        chosen = self.time_zone if is_time_zone(self.time_zone) else ""
        return ZoneInfo(chosen or self.default_time_zone())

    @property
    def sees_everything(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def location_ids(self) -> set[int]:
        if not hasattr(self, "_location_ids"):
            self._location_ids = {location_id for location_id, _ in self._served()}
        return self._location_ids

    def serves(self, location_id: int | None) -> bool:
        """Whether a row at this location is theirs to see and work on: the one serving rule
        (`LocationScoped.visible_to` and `User.objects.serving` say the same)."""
        return self.sees_everything or location_id in self.location_ids()


def is_time_zone(name: str) -> bool:
    """A zone name the system's tz database knows (Europe/Berlin, UTC)."""
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def time_zone_names() -> list[str]:
    return sorted(available_timezones())


class LocationScoped(models.QuerySet):
    """Rows of a model with a `location`: people see those of the locations they serve."""

    def visible_to(self, user: User):
        if user.sees_everything:
            return self
        return self.filter(location_id__in=user.location_ids())


class Team(models.Model):
    name = models.CharField(max_length=200, unique=True)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    lead = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams_led"
    )
    members = models.ManyToManyField(User, blank=True, related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class MailboxDelivery(models.TextChoices):
    IMAP = "imap", "Polled over IMAP"
    PUSH = "push", "Delivered by the mail server (LMTP/SMTP or pipe)"


class Mailbox(models.Model):
    """A support address. Mail to it lands on its location and team."""

    address = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True, help_text="Display name for outgoing mail")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    delivery = models.CharField(
        max_length=10, choices=MailboxDelivery.choices, default=MailboxDelivery.PUSH
    )
    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_ssl = models.BooleanField(default=True)
    imap_user = models.CharField(max_length=255, blank=True)
    imap_password_encrypted = models.TextField(blank=True, editable=False)
    imap_folder = models.CharField(max_length=255, default="INBOX")
    send_acknowledgement = models.BooleanField(
        default=True, help_text="Confirm receipt of a new conversation to the customer"
    )
    active = models.BooleanField(default=True)
    signature = models.TextField(
        blank=True, help_text="Added below every reply and forward sent from this mailbox"
    )
    attachment_limit_bytes = models.PositiveBigIntegerField(
        default=10 * 1024 * 1024,
        help_text="The largest total size of the files attached to one outgoing mail, in bytes "
        "(most mail servers refuse mail over 10 to 25 MB)",
    )

    class Meta:
        verbose_name_plural = "mailboxes"
        ordering = ["address"]

    def __str__(self):
        return self.address

    def set_imap_password(self, password: str) -> None:
        from helpline.core.secrets import encrypt

        self.imap_password_encrypted = encrypt(password)

    def imap_password(self) -> str:
        from helpline.core.secrets import decrypt

        return decrypt(self.imap_password_encrypted) if self.imap_password_encrypted else ""

    @property
    def from_header(self) -> str:
        from email.headerregistry import Address

        return str(Address(display_name=self.name, addr_spec=self.address))


class Activity(models.Model):
    """One row per domain action: who did what, on what, when."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    verb = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=32)
    subject_id = models.BigIntegerField()
    data = models.JSONField(default=dict, blank=True)
    # Not auto_now_add: history recorded after the fact (an import, the demo) is dated.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.actor or 'system'} {self.verb} {self.subject_type}#{self.subject_id}"


class EventDeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Delivered"
    FAILED = "failed", "Failed"


class EventDelivery(models.Model):
    """One after-commit handler's delivery of one event (see core.events)."""

    name = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    handler = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=EventDeliveryStatus.choices, default=EventDeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "event deliveries"
        indexes = [
            # The sweep reads only work not done; done rows are the vast majority.
            models.Index(
                fields=["next_attempt_at"],
                name="event_delivery_due",
                condition=models.Q(status__in=["pending", "running"]),
            ),
            models.Index(
                fields=["delivered_at"],
                name="event_delivery_done",
                condition=models.Q(status="done"),
            ),
        ]

    def __str__(self):
        return f"{self.name} → {self.handler} ({self.status})"


class ApiToken(models.Model):
    """A per-agent API token; only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.prefix}… ({self.user})"


class StaffEmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed for good"


class StaffEmail(models.Model):
    """Mail to one of our own people (an invitation, a manager's weekly digest), written with
    its cause, sent by a worker: plain text, or text with an HTML alternative when `html` is
    set.

    The customers' outbox (channels.email.OutboundEmail) carries conversation messages; this
    is the core's small sibling, claimed and retried through the same work queue.
    """

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_emails"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True)  # the HTML alternative of `body`; "": plain text only
    status = models.CharField(
        max_length=10, choices=StaffEmailStatus.choices, default=StaffEmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="staff_email_due")]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.status})"


class RecoveryCode(models.Model):
    """One of the ten one-time codes that sign in when the authenticator is not at hand.

    Only a SHA-256 of the code is kept: a code is 80 random bits, so no salt or slow hash is
    needed, and the code a person types is found by its hash in one query."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_once")
        ]

    def __str__(self):
        return f"recovery code of {self.user} ({'used' if self.used_at else 'unused'})"


class TwoFactorRequirement(models.Model):
    """A role whose people must sign in with a second factor (one row per such role)."""

    role = models.CharField(max_length=10, choices=Role.choices, unique=True)
    set_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"two-factor required for {self.get_role_display()}"


class SignInOutcome(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    WRONG_PASSWORD = "wrong_password", "Wrong password"
    WRONG_CODE = "wrong_code", "Wrong code"
    THROTTLED = "throttled", "Refused: too many failures"
    SIGNED_OUT = "signed_out", "Signed out"


class SignInFactor(models.TextChoices):
    PASSWORD = "password", "Password only"
    TOTP = "totp", "Authenticator code"
    RECOVERY = "recovery", "Recovery code"


class SignInRecord(models.Model):
    """The sign-in audit: one row per outcome of an attempt to sign in, and per sign-out.

    Never the password or a code; the name as typed (it may be no account), the client's
    address and its browser. Rows older than HELPLINE_SIGN_IN_AUDIT_DAYS are forgotten."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_ins"
    )
    typed_name = models.CharField(max_length=150, blank=True)
    outcome = models.CharField(max_length=20, choices=SignInOutcome.choices)
    factor = models.CharField(max_length=10, choices=SignInFactor.choices, blank=True)
    at = models.DateTimeField(default=timezone.now)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="sign_in_at"),
            models.Index(fields=["user", "at"], name="sign_in_user_at"),
            models.Index(fields=["outcome", "at"], name="sign_in_outcome_at"),
        ]

    def __str__(self):
        return f"{self.typed_name or self.user}: {self.get_outcome_display()} at {self.at}"
