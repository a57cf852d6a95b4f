"""QA and coaching in the demo: a scorecard, each agent's last twelve weeks picked and
mostly reviewed (getting better over time, a few reviewed twice for calibration), coaching
sessions with goals, trainings, and a reply on a review. Through the actions only."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from helpline.core.models import Role, User
from helpline.quality import actions, people
from helpline.quality.sampling import week_of

CRITERIA = [
    ("Understood the problem", "Restated or clearly solved what the customer asked.", 3, False),
    ("Clear and kind", "Plain words, the customer's name, no blame.", 2, False),
    ("Set the next step", "Said what happens next and when.", 2, True),
    ("Checked identity", "Before talking about an order or an account.", 1, True),
]
GOALS = [
    "Say what happens next in every reply",
    "Answer callbacks within the same day",
    "Use the customer's name",
    "Fewer canned replies, more own words",
    "Check the order history before replying",
]
TRAININGS = [("Returns and refunds policy", 90), ("De-escalating angry calls", 120)]
NOTES = ["Clear and warm.", "Good, but say when we will call back.", "Check the order first."]
WEEKS = 12


def play(rng: random.Random, now: datetime, agents: list[User]) -> dict:
    admin = next(a for a in agents if a.role == Role.ADMIN)
    card = actions.create_scorecard(admin, "Every conversation", 1, 5)
    criteria = [
        actions.add_criterion(
            admin,
            card,
            name=name,
            description=description,
            weight=weight,
            allow_na=allow_na,
            auto_fail=name == "Checked identity",
        )
        for name, description, weight, allow_na in CRITERIA
    ]
    reviews = calibrated = sessions = 0
    staff = [a for a in agents if a.role == Role.AGENT]
    for n, agent in enumerate(staff):
        managers = [m for m in agents if m.pk != agent.pk and people.manages(m, agent)]
        managers.sort(key=lambda m: m.role != Role.MANAGER)  # their manager first, then admins
        skill = 2.6 + 0.3 * (n % 3)
        this_week = week_of(timezone.localtime(now, agent.zone()))
        for back in range(WEEKS, 0, -1):
            week = this_week - timedelta(weeks=back)
            sample, _ = actions.pick_week(None, agent, week, per_week=3)
            for i, pick in enumerate(sample.picks.order_by("id")):
                if back == 1 and i > 0:
                    continue  # last week's: some are still to review
                start = datetime.combine(week, time(10), tzinfo=agent.zone())
                at = min(start + timedelta(days=8, hours=rng.randint(0, 30)), now)
                growth = skill + 1.6 * (WEEKS - back) / WEEKS
                scores = {c.pk: _point(rng, growth) for c in criteria}
                if rng.random() < 0.3:
                    scores[criteria[3].pk] = None  # nothing to check: N/A
                elif rng.random() < 0.03:
                    scores[criteria[3].pk] = 1  # auto-fail
                review = actions.review(managers[0], pick, scores, rng.choice(NOTES), at=at)
                reviews += 1
                if i == 0 and back % 4 == 0 and len(managers) > 1:
                    second = {
                        k: (None if v is None else max(1, min(5, v + rng.choice((-1, 0, 0, 1)))))
                        for k, v in scores.items()
                    }
                    actions.review(managers[1], pick, second, at=at + timedelta(hours=2))
                    calibrated += 1
                if back == 2 and i == 0:
                    actions.comment(agent, review, "Thanks — I'll say when we call back.")
        for back in (10, 6, 2):
            held = now - timedelta(weeks=back, hours=rng.randint(0, 48))
            goals = rng.sample(GOALS, 2)
            session = actions.hold_session(
                managers[0],
                agent,
                held,
                "Went through two reviewed conversations together.",
                (held + timedelta(weeks=3)).date(),
                goals,
            )
            sessions += 1
            if back > 2:
                for goal in session.goals.all():
                    actions.complete_goal(agent, goal, at=held + timedelta(weeks=2))
        for (title, minutes), back in zip(TRAININGS, (9, 3), strict=True):
            day = (now - timedelta(weeks=back)).date()
            actions.log_training(managers[0], agent, title, day, minutes)
    return {"qa reviews": reviews, "qa calibrations": calibrated, "coaching sessions": sessions}


def _point(rng: random.Random, mean: float) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.8))))
