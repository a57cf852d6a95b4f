"""Placeholders in canned replies, filled by plain substitution.

Only the names below are known; anything else is left exactly as typed, so a
body can never reach an attribute of ours (Django's template engine is never
run on text that users write).
"""

import re

from helpline.conversations.models import Conversation
from helpline.core.models import User
from helpline.customers.models import Customer

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


def placeholder_values(customer: Customer, agent: User, conversation: Conversation) -> dict:
    return {
        "customer.first_name": customer.first_name,
        "customer.name": customer.name,
        "agent.first_name": agent.first_name or agent.get_username(),
        "agent.name": agent.get_full_name() or agent.get_username(),
        "conversation.id": str(conversation.pk),
        "conversation.subject": conversation.subject,
    }


def render(body: str, values: dict[str, str]) -> str:
    """`body` with every known {{ name }} replaced by its value."""

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return PLACEHOLDER.sub(substitute, body)
