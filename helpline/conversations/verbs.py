"""The activity log's verbs for conversations and their messages: one name for each thing done."""

from django.db import models


class Verb(models.TextChoices):
    CREATED = "conversation.created", "opened the conversation"
    REPLIED = "conversation.replied", "replied"
    ACKNOWLEDGED = "conversation.acknowledged", "confirmed receipt automatically"
    NOTED = "conversation.noted", "added a note"
    CONTACT_LOGGED = "conversation.contact_logged", "logged a call or visit"
    ASSIGNED = "conversation.assigned", "assigned"
    STATUS_CHANGED = "conversation.status_changed", "changed the status"
    PRIORITY_CHANGED = "conversation.priority_changed", "changed the priority"
    RENAMED = "conversation.renamed", "changed the subject"
    TAGGED = "conversation.tagged", "tagged"
    MESSAGE_RECEIVED = "message.received", "received a message"
    MESSAGE_UNDELIVERED = "message.undelivered", "learned a message was not delivered"
    MESSAGE_RETRIED = "message.retried", "sent a message again"
    VOICEMAIL_LEFT = "call.voicemail_left", "learned the caller left a voicemail"
    CANNED_CREATED = "canned_reply.created", "added a canned reply"
    CANNED_UPDATED = "canned_reply.updated", "changed a canned reply"
