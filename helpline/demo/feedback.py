"""The demo's surveys: three policies (NPS after a visit, CES after a call, CSAT otherwise),
and a few hundred answers over the last 90 days (dates anchored to today), with comments,
credited to whoever had each conversation.

Loaded after the history, through helpline.feedback.actions: the surveys are recorded as
sent in the past (no mail goes to the demo's fictional customers), then answered.
"""

import random
from datetime import datetime, timedelta

from helpline.conversations.models import Conversation
from helpline.feedback import actions

COMMENTS = {
    "good": [
        "Quick and friendly, thank you!",
        "Sorted in one call.",
        "Very helpful staff in the shop.",
        "",
        "",
    ],
    "bad": [
        "I had to write three times before anyone answered.",
        "The repair took far too long.",
        "Still waiting for my refund.",
        "Nobody called me back.",
        "",
    ],
}


def play(rng: random.Random, now: datetime, limit: int = 400) -> int:
    """Policies, then answers for solved conversations of the last 90 days; how many."""
    actions.create_policy(None, name="Walk-ins: NPS", channel="walk_in", kind="nps", position=0)
    actions.create_policy(None, name="Calls: CES", channel="phone", kind="ces", position=1)
    actions.create_policy(None, name="Everyone else: CSAT", kind="csat", position=2)
    since = now - timedelta(days=90)
    solved = list(
        Conversation.objects.filter(solved_at__gte=since, solved_at__lt=now - timedelta(hours=2))
        .select_related("customer")
        .order_by("id")
    )
    rng.shuffle(solved)
    answered = 0
    for conversation in solved[: int(limit * 1.6)]:
        policy = actions.policy_for(conversation)
        if policy is None or actions.why_not(conversation.customer, conversation, "contact"):
            continue
        assert conversation.solved_at is not None
        sent_at = conversation.solved_at + timedelta(hours=1)
        survey = actions.record_past_survey(conversation, policy.kind, sent_at)
        if rng.random() > 0.62 or answered >= limit:  # the share that answers
            continue
        low, high = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[policy.kind]
        score = min(high, max(low, round(rng.triangular(low, high, high - 0.5))))
        answered_at = min(now, sent_at + timedelta(minutes=rng.randint(5, 3 * 24 * 60)))
        actions.answer(survey, score, now=answered_at)
        bad = score <= {"csat": 2, "nps": 6, "ces": 3}[policy.kind]
        text = rng.choice(COMMENTS["bad" if bad else "good"])
        if text:
            actions.comment(survey, text, now=answered_at)
        answered += 1
    return answered
