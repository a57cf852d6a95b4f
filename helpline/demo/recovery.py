"""Service recovery in the demo: the root causes, and cases in every state (open and due,
touched, closed and waiting for the follow-up, recovered, not recovered), through the
actions a rule and an agent's clicks call."""

import random
from datetime import datetime

from django.utils import timezone

from helpline.conversations.models import Conversation
from helpline.core.models import User
from helpline.recovery import actions
from helpline.recovery.models import RootCause, TriggerKind

CAUSES = [
    "Courier lost or delayed the parcel",
    "Item out of stock after the order",
    "Repair not done right the first time",
    "Agent gave wrong information",
    "We did not call back",
]
TRIGGERS = [
    (TriggerKind.LOW_CSAT, {"kind": "csat", "score": 1}),
    (TriggerKind.LOW_NPS, {"kind": "nps", "score": 3}),
    (TriggerKind.NEGATIVE_MESSAGE, {"compound": -0.82}),
    (TriggerKind.SLA_BREACH, {"clock": "resolution"}),
    (TriggerKind.REPEAT_CONTACT, {"theme_name": "late delivery"}),
    (TriggerKind.CALLBACK_FAILED, {}),
]
# How far each case gets: steps recorded, then closed with a follow-up score (None: open,
# "waiting": closed without an answer yet).
PLAYS = [
    ([], None),
    (["acknowledge"], None),
    (["acknowledge", "fix"], None),
    (["acknowledge", "fix", "amends", "follow_up", "verify"], "waiting"),
    (["acknowledge", "fix", "amends", "follow_up", "verify"], 5),
    (["acknowledge", "fix", "follow_up", "verify"], 4),
    (["acknowledge", "fix", "follow_up"], 2),
]


def play(rng: random.Random, now: datetime, agents: list[User], cases: int = 24) -> int:
    """Open `cases` cases for customers with a recent conversation; how many were opened."""
    causes = [RootCause.objects.get_or_create(name=name)[0] for name in CAUSES]
    conversations = list(
        # Closed ones too: which of the latest are solved or open depends on the hour the
        # demo is loaded at, and a small demo late at night has few.
        Conversation.objects.exclude(location=None)
        .order_by("-last_message_at")
        .values_list("pk", "customer_id", "location_id")[: cases * 4]
    )
    rng.shuffle(conversations)
    opened, seen = 0, set()
    for pk, customer_id, location_id in conversations:
        if opened >= cases or customer_id in seen:
            continue
        seen.add(customer_id)
        kind, detail = TRIGGERS[opened % len(TRIGGERS)]
        case = actions.trigger(
            kind,
            key=f"demo:{pk}",
            customer_id=customer_id,
            conversation_id=pk,
            detail=detail,
        )
        if case is None:
            continue
        opened += 1
        if opened % 5 == 0:  # a second trigger joins the open case
            actions.trigger(
                TriggerKind.NEGATIVE_MESSAGE,
                key=f"demo:{pk}:again",
                customer_id=customer_id,
                conversation_id=pk,
                detail={"compound": -0.7},
            )
        agent = next((a for a in agents if a.serves(location_id)), None)
        if agent is None:
            continue
        steps, score = PLAYS[opened % len(PLAYS)]
        for step in steps:
            goodwill = {}
            if step == "amends":
                goodwill = {
                    "goodwill_kind": "voucher",
                    "goodwill_amount": "15",
                    "goodwill_currency": "EUR",
                }
            actions.record_step(agent, case, step, "Done (demo)", **goodwill)
        if score is None:
            continue
        actions.close(agent, case, rng.choice(causes).pk, "Told the team; checklist updated")
        if score != "waiting":
            actions.record_follow_up(case.pk, "csat", score, timezone.now())
    return opened
