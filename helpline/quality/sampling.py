"""Which conversations are reviewed: a weighted random sample per agent per week.

Every conversation an agent replied in during the week may be picked; one rated badly
(a CSAT, NPS or CES answer at or below feedback's "bad" line) or with a service-recovery
case weighs OVERSAMPLE times as much, so it is that much more likely to be picked. The
draw is Efraimidis–Spirakis (each candidate's key is u^(1/weight), the largest keys win)
from a random generator seeded with text naming the agent and the week: the same seed and
the same conversations give the same picks, on any machine.
"""

import random
from datetime import date, datetime, timedelta

# How much more likely a badly rated or recovery conversation is to be picked.
OVERSAMPLE = 4
# Picks per agent per week.
PER_WEEK = 5


def week_of(moment: datetime | date) -> date:
    """The Monday of the week a day falls in (a moment: in its own zone)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def seed_for(base: str, agent_id: int, week: date) -> str:
    return f"{base}:{agent_id}:{week.isoformat()}"


def choose(candidates: dict[int, float], n: int, seed: str) -> list[int]:
    """`n` of the candidate ids (id → weight), weighted, without replacement; the same
    candidates and seed always give the same ids, in the order drawn."""
    generator = random.Random(seed)
    keyed = []
    for candidate in sorted(candidates):  # a fixed order, whatever order the query gave
        u = generator.random() or 1e-12
        keyed.append((u ** (1.0 / candidates[candidate]), candidate))
    keyed.sort(reverse=True)
    return [candidate for _, candidate in keyed[:n]]
