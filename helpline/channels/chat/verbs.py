"""The activity log's verbs for the chat channel."""

from django.db import models


class Verb(models.TextChoices):
    WIDGET_CREATED = "chat.widget_created", "added a chat widget"
    WIDGET_CHANGED = "chat.widget_changed", "changed a chat widget"
    KEY_ROTATED = "chat.key_rotated", "gave a chat widget a new key"
    LIMIT_SET = "chat.limit_set", "set an agent's chat limit"
    STARTED = "chat.started", "started a chat"
    ASSIGNED = "chat.assigned", "gave a waiting chat to an agent"
    ENDED = "chat.ended", "ended a chat"
    VISITOR_BLOCKED = "chat.visitor_blocked", "blocked a chat visitor"
    TRANSCRIPT_SENT = "chat.transcript_sent", "sent a chat's transcript"
