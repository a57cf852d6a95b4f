"""The perception gap in the demo: each agent and manager answers the self-assessment for
the last three periods, a little rosier than the history they played, as teams do."""

import random
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from helpline.core.models import Role, User
from helpline.reports import actions, perception
from helpline.reports.models import SelfAssessment

PERIODS = 3


def play(rng: random.Random, now: datetime, agents: list[User]) -> int:
    # The reports' facts now, not when a worker has delivered the history's events (which
    # recompute the same rows again, harmlessly): the gap is there on first start.
    actions.rebuild_rollups()
    today = timezone.localdate(now)
    for start, _ in perception.previous_periods(today, PERIODS):
        for person in agents:
            if person.role == Role.ADMIN:
                continue
            answer = {
                "csat_share": Decimal(rng.randint(78, 95)),
                "first_reply_hours": Decimal(rng.choice([1, 1.5, 2, 3])).quantize(Decimal("0.1")),
                "callback_reach_share": Decimal(rng.randint(80, 97)),
                "first_contact_share": Decimal(rng.randint(60, 85)),
                "recovery_share": Decimal(rng.randint(50, 80)),
                **{
                    f"rating_{name}": rng.randint(3, 5)
                    for name in ("responsiveness", "promises", "first_time", "courtesy", "recovery")
                },
            }
            actions.answer_self_assessment(person, answer, start)
    return SelfAssessment.objects.count()
