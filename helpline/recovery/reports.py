"""The figures of service recovery, read from a queryset of cases the viewer may see.

Recovery rate = recovered / (recovered + not recovered): a case whose follow-up went
unanswered (unknown) or is still awaited (waiting) is not in it, and is shown beside it.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from helpline.conversations.models import Conversation
from helpline.customers.models import Customer
from helpline.recovery.models import (
    CaseStatus,
    ContactScore,
    Outcome,
    RecoveryCase,
    RootCause,
    SurveyKind,
    TriggerKind,
)


@dataclass
class Rate:
    key: object
    label: str
    recovered: int = 0
    not_recovered: int = 0
    unknown: int = 0
    waiting: int = 0
    open: int = 0

    @property
    def count(self) -> int:
        """The answers the rate is made of."""
        return self.recovered + self.not_recovered

    @property
    def rate(self) -> float | None:
        return self.recovered / self.count if self.count else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.0f} %"


def _counts(cases, group: str) -> list[dict]:
    return list(
        cases.values(group)
        .annotate(
            recovered=Count("id", filter=Q(outcome=Outcome.RECOVERED), distinct=True),
            not_recovered=Count("id", filter=Q(outcome=Outcome.NOT_RECOVERED), distinct=True),
            unknown=Count("id", filter=Q(outcome=Outcome.UNKNOWN), distinct=True),
            waiting=Count("id", filter=Q(outcome=Outcome.WAITING), distinct=True),
            open=Count("id", filter=Q(status=CaseStatus.OPEN), distinct=True),
        )
        .order_by(group)
    )


def _rate(key, label: str, row: dict) -> Rate:
    fields = ("recovered", "not_recovered", "unknown", "waiting", "open")
    return Rate(key, label, **{name: row[name] for name in fields})


def overall(cases) -> Rate:
    row = cases.aggregate(
        recovered=Count("id", filter=Q(outcome=Outcome.RECOVERED)),
        not_recovered=Count("id", filter=Q(outcome=Outcome.NOT_RECOVERED)),
        unknown=Count("id", filter=Q(outcome=Outcome.UNKNOWN)),
        waiting=Count("id", filter=Q(outcome=Outcome.WAITING)),
        open=Count("id", filter=Q(status=CaseStatus.OPEN)),
    )
    return _rate(None, "All cases", row)


def by_location(cases) -> list[Rate]:
    rows = _counts(cases, "location")
    names = dict(cases.model.location.field.related_model.objects.values_list("pk", "name"))
    return [_rate(r["location"], names.get(r["location"], "No location"), r) for r in rows]


def by_owner(cases) -> list[Rate]:
    rows = _counts(cases, "owner")
    from helpline.core.models import User

    people = User.objects.in_bulk([r["owner"] for r in rows if r["owner"]])
    return [
        _rate(
            r["owner"],
            (people[r["owner"]].get_full_name() or people[r["owner"]].username)
            if r["owner"] in people
            else "Nobody",
            r,
        )
        for r in rows
    ]


def by_trigger(cases) -> list[Rate]:
    """A case with several triggers counts once under each of them."""
    rows = _counts(cases, "triggers__kind")
    labels = dict(TriggerKind.choices)
    return [
        _rate(r["triggers__kind"], labels.get(r["triggers__kind"], "—"), r)
        for r in rows
        if r["triggers__kind"]
    ]


def root_causes(cases) -> list[Rate]:
    """The closing reasons: how often each, and how each case turned out."""
    closed = cases.filter(status=CaseStatus.CLOSED)
    rows = _counts(closed, "root_cause")
    names = dict(RootCause.objects.values_list("pk", "name"))
    out = [_rate(r["root_cause"], names.get(r["root_cause"], "—"), r) for r in rows]
    return sorted(out, key=lambda r: -(r.count + r.unknown + r.waiting))


# The recovery paradox


@dataclass
class Group:
    name: str
    customers: int = 0
    came_back: int = 0  # started a conversation in the window after
    answers: int = 0
    score_sum: int = 0
    score_squares: int = 0

    @property
    def contact_rate(self) -> float | None:
        return self.came_back / self.customers if self.customers else None

    @property
    def mean_csat(self) -> float | None:
        return self.score_sum / self.answers if self.answers else None

    @property
    def csat_sd(self) -> float | None:
        if self.answers < 2:
            return None
        mean = self.score_sum / self.answers
        var = (self.score_squares - self.answers * mean * mean) / (self.answers - 1)
        return math.sqrt(max(var, 0.0))


@dataclass
class Paradox:
    days: int
    groups: list[Group]
    findings: list[str] = field(default_factory=list)


def paradox(cases, customers=None, now: datetime | None = None, days: int = 90) -> Paradox:
    """Customers won back vs never had a case vs not won back: how many contacted us again,
    and their CSAT, in the `days` after (the case's outcome; for those without a case, their
    first solved conversation). Only windows that are over count."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    customers = Customer.objects.all() if customers is None else customers
    decided = cases.filter(outcome_at__lte=cutoff)
    refs: dict[str, dict[int, datetime]] = {"recovered": {}, "not_recovered": {}}
    for customer_id, outcome, at in decided.filter(
        outcome__in=[Outcome.RECOVERED, Outcome.NOT_RECOVERED]
    ).values_list("customer_id", "outcome", "outcome_at"):
        refs[outcome][customer_id] = min(at, refs[outcome].get(customer_id, at))
    never = (
        customers.filter(~Exists(RecoveryCase.objects.filter(customer_id=OuterRef("pk"))))
        .annotate(first_solved=Min("conversations__solved_at"))
        .filter(first_solved__lte=cutoff)
        .values_list("pk", "first_solved")
    )
    refs["never"] = dict(never)
    names = {
        "recovered": "Recovered",
        "never": "Never had a case",
        "not_recovered": "Not recovered",
    }
    groups = [
        _group(names[key], refs[key], days) for key in ("recovered", "never", "not_recovered")
    ]
    return Paradox(days, groups, _findings(groups))


def _group(name: str, refs: dict[int, datetime], days: int) -> Group:
    group = Group(name, customers=len(refs))
    if not refs:
        return group
    ids = list(refs)
    window = timedelta(days=days)
    started = Conversation.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "created_at"
    )
    back = {c for c, at in started if refs[c] < at <= refs[c] + window}
    group.came_back = len(back)
    scores = ContactScore.objects.filter(customer_id__in=ids, kind=SurveyKind.CSAT).values_list(
        "customer_id", "score", "answered_at"
    )
    for customer_id, score, at in scores:
        if refs[customer_id] < at <= refs[customer_id] + window:
            group.answers += 1
            group.score_sum += score
            group.score_squares += score * score
    return group


def _findings(groups: list[Group]) -> list[str]:
    """Plain sentences: a difference only where a two-sided test at 5 % sees one."""
    recovered, never, not_recovered = groups
    said = []
    for other in (never, not_recovered):
        said.append(_compare_rates(recovered, other))
        said.append(_compare_means(recovered, other))
    return said


def _compare_rates(a: Group, b: Group) -> str:
    what = f"Later contact, {a.name.lower()} vs {b.name.lower()}"
    if a.customers < 5 or b.customers < 5:
        return f"{what}: too few customers to tell."
    pooled = (a.came_back + b.came_back) / (a.customers + b.customers)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.customers + 1 / b.customers))
    diff = (a.contact_rate or 0) - (b.contact_rate or 0)
    if se == 0 or abs(diff / se) < 1.96:
        return f"{what}: no difference ({diff * 100:+.0f} points, not significant)."
    return f"{what}: {diff * 100:+.0f} points (significant at 5 %)."


def _compare_means(a: Group, b: Group) -> str:
    what = f"Later CSAT, {a.name.lower()} vs {b.name.lower()}"
    if a.answers < 5 or b.answers < 5 or a.csat_sd is None or b.csat_sd is None:
        return f"{what}: too few answers to tell."
    se = math.sqrt(a.csat_sd**2 / a.answers + b.csat_sd**2 / b.answers)
    diff = (a.mean_csat or 0) - (b.mean_csat or 0)
    if se == 0 or abs(diff / se) < 1.96:
        return f"{what}: no difference ({diff:+.2f}, not significant)."
    return f"{what}: {diff:+.2f} (significant at 5 %)."


def mean_or_dash(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
