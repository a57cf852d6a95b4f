"""`load_demo`: the organisation, its promises, its customers and a year of history, once."""

import random
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from helpline.conversations.models import Wait
from helpline.core.models import Activity
from helpline.customers.models import Identity
from helpline.demo import (
    feedback,
    insights,
    perception,
    quality,
    recovery,
    responsiveness,
    timeaudit,
    today,
)
from helpline.demo.customers import People
from helpline.demo.history import History
from helpline.demo.organisation import DEMO_PASSWORD, organise

__all__ = ["DEMO_PASSWORD", "DemoAlreadyLoaded", "DemoSummary", "demo_loaded", "load_demo"]

DEMO_VERB = "demo.loaded"


class DemoAlreadyLoaded(RuntimeError):
    pass


def demo_loaded() -> bool:
    return Activity.objects.filter(verb=DEMO_VERB).exists()


@dataclass
class DemoSummary:
    seed: int
    counts: dict = field(default_factory=dict)
    agents: list = field(default_factory=list)  # (username, role, locations)
    seconds: float = 0.0


def load_demo(
    *,
    customers: int = 500,
    conversations: int = 3000,
    seed: int = 1,
    now: datetime | None = None,
) -> DemoSummary:
    """Create the demo organisation and history; refuses when a demo is already loaded."""
    started = time.monotonic()
    now = now or timezone.now()
    rng = random.Random(seed)
    with transaction.atomic():
        if demo_loaded():
            raise DemoAlreadyLoaded("a demo dataset is already loaded")
        org = organise(now)
        # Before the history: its waits are counted in business time.
        responsiveness.set_up_hours(org.locations, now)
        people = People(rng, org.locations)
        persons = people.plan(customers)
        history = History(rng, now, org, people)
        plans = history.plan(persons, conversations)  # dates every person's first contact
        people.create(persons, now)
        history.play(plans)
        read = insights.play()  # the worker would have read them by now; then the themes
        # After it: the clocks, the worklist and the bookings need the conversations.
        responsiveness.set_up_service(org.locations, org.teams)
        in_hand = today.play(rng, now, org.agents)
        recovery_cases = recovery.play(rng, now, org.agents)
        survey_answers = feedback.play(rng, now)
        time_entries = timeaudit.play(rng, now, org.agents)
        qa = quality.play(rng, now, org.agents)
        self_assessments = perception.play(rng, now, org.agents)
        counts = {
            "locations": len(org.locations),
            "teams": len(org.teams),
            "agents": len(org.agents),
            "mailboxes": len(org.mailboxes),
            "customers": len(persons),
            "identities": Identity.objects.filter(
                customer__in=[p.customer for p in persons]
            ).count(),
            "conversations": len(plans),
            "messages": history.messages,
            "waits": Wait.objects.count(),
            "activities": Activity.objects.count(),
            "callbacks": in_hand.callbacks,
            "appointments": in_hand.appointments,
            "failed deliveries": in_hand.failed_deliveries,
            **read,
            "recovery cases": recovery_cases,
            "survey answers": survey_answers,
            "time entries": time_entries,
            "self-assessments": self_assessments,
            **qa,
        }
        # The demo's own mark, so that it loads once: no domain row, no action for it.
        Activity.objects.create(verb=DEMO_VERB, subject_type="demo", subject_id=seed, data=counts)
    agents = [
        (a.username, a.role, ", ".join(sorted(loc.name for loc in a.locations.all())))
        for a in org.agents
    ]
    return DemoSummary(seed, counts, agents, time.monotonic() - started)
