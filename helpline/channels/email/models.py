"""What the email channel keeps: raw inbound mail, IMAP positions and the outbox."""

from django.db import models

from helpline.conversations.models import Message
from helpline.core.models import Mailbox


class RawStatus(models.TextChoices):
    RECEIVED = "received", "Received, not yet processed"
    STORED = "stored", "Stored on a conversation"
    QUARANTINED = "quarantined", "Quarantined"


class RawEmail(models.Model):
    """Every inbound message's bytes, kept before anything else happens to it."""

    sha256 = models.CharField(max_length=64, unique=True)
    data = models.BinaryField()
    size = models.PositiveBigIntegerField()
    source = models.CharField(max_length=16, help_text="pipe, lmtp, smtp, imap, import")
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=12, choices=RawStatus.choices, default=RawStatus.RECEIVED)
    reason = models.TextField(blank=True, help_text="Why it was quarantined")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self):
        return f"{self.sha256[:12]} ({self.status})"


class ImapCursor(models.Model):
    """How far a mailbox's IMAP folder has been taken, per UIDVALIDITY."""

    mailbox = models.OneToOneField(Mailbox, on_delete=models.CASCADE, related_name="imap_cursor")
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.mailbox} at UID {self.last_uid} (validity {self.uidvalidity})"


class ImportCheckpoint(models.Model):
    """How far `helpline import-mail` got in an mbox file; kept with the data it describes."""

    key = models.CharField(max_length=64, unique=True, help_text="sha256 of path, size, mtime")
    path = models.TextField()
    offset = models.BigIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    done = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.path} at byte {self.offset}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed for good"


class OutboundEmail(models.Model):
    """An email to send, written in the same transaction as the message it carries."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="outbound")
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL)
    from_header = models.CharField(max_length=400)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list)
    bcc = models.JSONField(default=list, help_text="Sent to, never named in the headers")
    subject = models.CharField(max_length=998)
    message_id_header = models.CharField(max_length=998)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    extra_headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default="pending")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)} ({self.status})"
