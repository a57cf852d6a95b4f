"""The perception gap: what the staff estimate about their team beside what customers
measured, for the same period, team and location.

The measured side is always a report figure (helpline.reports.figures), so the gap page,
the reports and the API never disagree. A group's estimate is the median of its members'
answers, shown only when at least MIN_ANSWERS people answered: fewer, and a colleague
could work out who said what.
"""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from helpline.core.models import Location, Team, User
from helpline.reports import figures
from helpline.reports.figures import Figure, Filters, Scope
from helpline.reports.models import SelfAssessment, SelfAssessmentSettings

MIN_ANSWERS = 3
TREND_PERIODS = 6


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    estimate: str  # the SelfAssessment field of the estimate
    rating: str  # the SelfAssessment field of the 1–5 self-rating
    unit: str  # "share" (estimates in %) or "hours"
    measure: str  # the wording of the sentence: "satisfied", …


DIMENSIONS = [
    Dimension(
        "csat",
        "Courtesy: customers satisfied",
        "csat_share",
        "rating_courtesy",
        "share",
        "of customers rate us 4 or 5",
    ),
    Dimension(
        "first_reply",
        "Responsiveness: wait for our first reply",
        "first_reply_hours",
        "rating_responsiveness",
        "hours",
        "until our first reply (median, business hours)",
    ),
    Dimension(
        "callbacks",
        "Keeping promises: callbacks that reach the customer",
        "callback_reach_share",
        "rating_promises",
        "share",
        "of callbacks reach the customer",
    ),
    Dimension(
        "first_contact",
        "Solving first time: solved on the first contact",
        "first_contact_share",
        "rating_first_time",
        "share",
        "of problems solved on the first contact",
    ),
    Dimension(
        "recovery",
        "Recovery: bad experiences won back",
        "recovery_share",
        "rating_recovery",
        "share",
        "of bad experiences won back",
    ),
]
BY_KEY = {d.key: d for d in DIMENSIONS}


# Periods


def period_months() -> int:
    settings = SelfAssessmentSettings.objects.filter(pk=1).first()
    return settings.period_months if settings else 1


def period_of(day: date, months: int | None = None) -> tuple[date, date]:
    """The period (first and last day) that contains `day`: calendar months, or quarters."""
    months = months or period_months()
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    following = first_month + months
    end = date(day.year + (following - 1) // 12, (following - 1) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def previous_periods(day: date, count: int, months: int | None = None) -> list[tuple]:
    """`count` periods ending with the one that contains `day`, oldest first."""
    months = months or period_months()
    periods = [period_of(day, months)]
    while len(periods) < count:
        periods.append(period_of(periods[-1][0] - timedelta(days=1), months))
    return periods[::-1]


# Measured


def measured(f: Filters) -> dict[str, Figure]:
    """Each dimension's report figure under these filters."""
    business = next(
        x
        for x in figures.time_figures(f, "first_response", clocks=("business",))
        if x.key.endswith("business_median")
    )
    return {
        "csat": figures.csat_good(f),
        "first_reply": business,
        "callbacks": figures.reach_rate(f),
        "first_contact": figures.first_contact(f),
        "recovery": figures.recovery(f),
    }


# Estimates


def answers_of(start: date, team: Team | None = None, location: Location | None = None):
    answers = SelfAssessment.objects.filter(period_start=start)
    if team is not None:
        answers = answers.filter(team=team)
    if location is not None:
        answers = answers.filter(location=location)
    return answers


def estimates(answers) -> dict | None:
    """Median estimate and self-rating per dimension, or None below MIN_ANSWERS people."""
    rows = list(answers)
    if len(rows) < MIN_ANSWERS:
        return None
    result: dict = {}
    for d in DIMENSIONS:
        result[d.key] = (
            float(statistics.median(Decimal(getattr(r, d.estimate)) for r in rows)),
            float(statistics.median(getattr(r, d.rating) for r in rows)),
        )
    result["n"] = len(rows)
    return result


# The gap


@dataclass
class Gap:
    dimension: Dimension
    estimate: float | None  # % or hours, as the staff answered
    rating: float | None  # median 1–5 self-rating
    figure: Figure
    answers: int

    @property
    def measured(self) -> float | None:
        """The measured figure in the estimate's unit (% or hours)."""
        if self.figure.value is None:
            return None
        if self.dimension.unit == "hours":
            return self.figure.value / 3600
        return self.figure.value * 100

    @property
    def size(self) -> float | None:
        """How much better the staff think it is than it was, relative to what was measured
        (so hours and percentages compare): positive is flattering."""
        if self.estimate is None or self.measured is None:
            return None
        if self.dimension.unit == "hours":  # shorter is better
            return (self.measured - self.estimate) / max(self.measured, 0.1)
        return (self.estimate - self.measured) / max(self.measured, 1.0)

    def sentence(self) -> str:
        d, fig = self.dimension, self.figure
        if self.measured is None:
            measured = f"customers: no data yet (n = {fig.n})"
        elif d.unit == "hours":
            measured = f"customers: {self.measured:.1f} h (n = {fig.n})"
        else:
            low, high = fig.low * 100, fig.high * 100  # type: ignore[operator]
            measured = f"customers: {self.measured:.0f}% (n = {fig.n}, {low:.0f}–{high:.0f}%)"
        if self.estimate is None:
            return f"{measured[0].upper()}{measured[1:]}."
        said = f"{self.estimate:.1f} h" if d.unit == "hours" else f"{self.estimate:.0f}%"
        return f"You estimate {said} {d.measure}; {measured}."


@dataclass
class Group:
    name: str
    team: Team | None
    location: Location | None
    answers: int
    gaps: list[Gap]
    shown: bool  # at least MIN_ANSWERS answers

    @property
    def largest(self) -> Gap | None:
        sized = [g for g in self.gaps if g.size is not None]
        return max(sized, key=lambda g: abs(g.size), default=None)  # type: ignore[arg-type]

    def ordered(self) -> list[Gap]:
        """The dimension with the largest gap first."""
        return sorted(self.gaps, key=lambda g: -abs(g.size) if g.size is not None else 1)


def gap(
    start: date, end: date, scope: Scope, team: Team | None = None, location: Location | None = None
) -> Group:
    answers = answers_of(start, team, location)
    n = answers.count()
    shown = estimates(answers)
    f = Filters(start=start, end=end, scope=scope, team=team, location=location)
    measured_now = measured(f)
    gaps = []
    for d in DIMENSIONS:
        estimate, rating = shown[d.key] if shown else (None, None)
        gaps.append(Gap(d, estimate, rating, measured_now[d.key], n))
    name = team.name if team else (location.name if location else "Everyone")
    return Group(name, team, location, n, gaps, shown is not None)


def groups_for(user: User) -> tuple[list[Team], list[Location]]:
    """The teams and locations whose aggregates this person may see: an agent their own
    teams; a manager the teams and locations they serve; an admin all."""
    if user.sees_everything:
        return list(Team.objects.order_by("name")), list(Location.objects.order_by("name"))
    if user.role == "agent":
        return list(user.teams.order_by("name")), []
    ids = user.location_ids()
    teams = Team.objects.filter(location_id__in=ids) | user.teams.all()
    return list(teams.distinct().order_by("name")), list(
        Location.objects.filter(pk__in=ids).order_by("name")
    )


def trend(
    day: date, scope: Scope, team: Team | None = None, location: Location | None = None
) -> list[tuple[date, date, Group]]:
    return [
        (start, end, gap(start, end, scope, team, location))
        for start, end in previous_periods(day, TREND_PERIODS)
    ]


def team_of(user: User) -> Team | None:
    return user.teams.order_by("name").first()


# Calibration: what agents predicted when solving against what the customer answered

CALIBRATION_DEFINITION = (
    "CSAT answers (1–5) given in the period about conversations for which the agent predicted "
    "a score when solving (the latest prediction before the answer). Over-confidence is the "
    "mean predicted score less the mean score customers gave: above zero, we think we did "
    "better than customers felt."
)


@dataclass
class Calibration:
    name: str
    pairs: list[tuple[int, int]]  # (predicted, actual)

    @property
    def n(self) -> int:
        return len(self.pairs)

    @property
    def few(self) -> bool:
        return self.n < figures.FEW

    @property
    def over_confidence(self) -> float | None:
        if not self.pairs:
            return None
        return statistics.fmean(p for p, _ in self.pairs) - statistics.fmean(
            a for _, a in self.pairs
        )

    def points(self) -> list[tuple[int, float | None]]:
        """Mean actual score per predicted score 1–5."""
        result = []
        for score in range(1, 6):
            actual = [a for p, a in self.pairs if p == score]
            result.append((score, round(statistics.fmean(actual), 2) if actual else None))
        return result


def calibration_pairs(f: Filters) -> list[tuple]:
    """(predicted, actual, agent id, agent name, team name, location name) per answer."""
    from django.db.models import OuterRef, Subquery

    from helpline.feedback.models import Kind, Prediction

    latest = Prediction.objects.filter(
        conversation_id=OuterRef("conversation_id"),
        kind=Kind.CSAT,
        created_at__lte=OuterRef("answered_at"),
    ).order_by("-created_at", "-id")
    rows = (
        figures._answers(f)
        .filter(conversation__isnull=False)
        .annotate(
            predicted=Subquery(latest.values("score")[:1]),
            predictor=Subquery(latest.values("agent_id")[:1]),
        )
        .filter(predicted__isnull=False)
        .values_list("predicted", "score", "predictor", "team__name", "location__name")
    )
    names = dict(User.objects.values_list("pk", "username"))
    return [(p, a, who, names.get(who, "(nobody)"), team, loc) for p, a, who, team, loc in rows]


def calibration(f: Filters, viewer: User) -> dict[str, list[Calibration]]:
    """Per agent, team and location. An agent sees only their own row among agents."""
    pairs = calibration_pairs(f)
    result: dict[str, list[Calibration]] = {}
    for by, position in (("agent", 3), ("team", 4), ("location", 5)):
        grouped: dict[str, list] = {}
        for row in pairs:
            hidden = by == "agent" and not viewer.sees_everything and viewer.role == "agent"
            if hidden and row[2] != viewer.pk:
                continue
            grouped.setdefault(row[position] or "(none)", []).append((row[0], row[1]))
        result[by] = [Calibration(name, grouped[name]) for name in sorted(grouped)]
    return result
