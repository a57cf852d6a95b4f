"""What the chat channel keeps: widgets (key, location, allowed origins), the agents' chat
limits and presence, chat sessions and blocked visitors.

A chat's messages are the conversation's messages (channel "chat"): the session only says
whose chat it is, who took it, and when it waited, was answered and ended.
"""

import secrets

from django.db import models

from helpline.conversations.models import Conversation
from helpline.core.models import Location, Mailbox, User

DEFAULT_CHAT_LIMIT = 3


def new_key() -> str:
    return "w_" + secrets.token_urlsafe(18)


class ChatWidget(models.Model):
    """One `<script>` tag's key: chats through it go to its location (and answers to offline
    messages go from its mailbox). Only pages of its allowed origins may open a chat."""

    name = models.CharField(max_length=200)
    key = models.CharField(max_length=64, unique=True, default=new_key)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="chat_widgets")
    mailbox = models.ForeignKey(
        Mailbox,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Messages left while nobody is online are answered by email from it",
    )
    allowed_origins = models.TextField(
        blank=True, help_text="One origin a line, e.g. https://shop.example.com"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def origins(self) -> list[str]:
        return [
            line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line.strip()
        ]

    def allows(self, origin: str) -> bool:
        return bool(origin) and origin.rstrip("/").lower() in {o.lower() for o in self.origins()}


class ChatAgent(models.Model):
    """An agent's chat limit (set by an admin) and when their desk was last seen open."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="chat")
    chat_limit = models.PositiveSmallIntegerField(default=DEFAULT_CHAT_LIMIT)
    seen_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When they last took or finished a chat: the longest idle is offered the next one.
    idle_since = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} (chat limit {self.chat_limit})"


class SessionStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class ChatSession(models.Model):
    """One chat of one visitor through one widget."""

    widget = models.ForeignKey(ChatWidget, on_delete=models.PROTECT, related_name="sessions")
    visitor = models.CharField(max_length=64, db_index=True)
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="chat_session"
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.WAITING
    )
    agent = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_sessions"
    )
    # How the visitor is known to `receive`: their email once given, else the visitor id.
    identity_kind = models.CharField(max_length=10)
    identity_value = models.CharField(max_length=320)
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=10, blank=True)  # "visitor" or "agent"
    page = models.CharField(max_length=2000, blank=True, help_text="The page the chat began on")

    class Meta:
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self):
        return f"Chat #{self.pk}"

    @property
    def open(self) -> bool:
        return self.status != SessionStatus.ENDED


class BlockedVisitor(models.Model):
    """A visitor refused quietly: their widget says nothing is wrong, nothing is stored."""

    visitor = models.CharField(max_length=64, unique=True)
    blocked_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.visitor
