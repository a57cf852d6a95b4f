"""One agent's development over months: QA per criterion, their customers' scores and
comments, their response times, goals met, trainings and coaching, month by month on the
agent's own clock. Each figure says how many cases stand behind it."""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone

from helpline.conversations.models import Wait
from helpline.core.models import User
from helpline.feedback.models import GOOD_FROM, Answer, Kind
from helpline.quality.models import CoachingSession, Goal, ReviewAnswer, Training

MONTHS = 12


@dataclass
class Survey:
    kind: str
    answers: int
    figure: float  # CSAT % good, NPS, CES % easy

    @property
    def label(self) -> str:
        return {"csat": "CSAT", "nps": "NPS", "ces": "CES"}[self.kind]


@dataclass
class Month:
    start: date
    reviews: int = 0
    qa: float | None = None  # the mean review score, %
    criteria: dict[int, tuple[float, int]] = field(default_factory=dict)  # id → (mean %, n)
    surveys: list[Survey] = field(default_factory=list)
    waits: int = 0
    median_wait: int | None = None  # business seconds
    goals_met: int = 0
    trainings: int = 0
    sessions: int = 0


@dataclass
class Timeline:
    months: list[Month]
    criteria: list[tuple[int, str]]  # every criterion scored in the period, in order
    comments: list  # Answer rows with a comment, newest first


def month_starts(now: datetime, zone, count: int = MONTHS) -> list[date]:
    local = timezone.localtime(now, zone).date().replace(day=1)
    starts = []
    year, month = local.year, local.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts  # newest first


def _key(moment: datetime, zone) -> date:
    return timezone.localtime(moment, zone).date().replace(day=1)


def survey_figure(kind: str, scores: list[int]) -> float:
    """CSAT and CES: the share of good answers (%); NPS: promoters − detractors (feedback's
    definitions)."""
    n = len(scores)
    good = sum(1 for s in scores if s >= GOOD_FROM[Kind(kind)])
    if kind == Kind.NPS:
        return round(100 * (good - sum(1 for s in scores if s <= 6)) / n, 1)
    return round(100 * good / n, 1)


def build(agent: User, now: datetime | None = None, count: int = MONTHS) -> Timeline:
    zone = agent.zone()
    now = now or timezone.now()
    starts = month_starts(now, zone, count)
    since = datetime.combine(starts[-1], time(0), tzinfo=zone)
    months = {start: Month(start) for start in starts}

    answers = (
        ReviewAnswer.objects.filter(
            review__pick__agent=agent, review__submitted_at__gte=since, value__isnull=False
        )
        .select_related("criterion", "review")
        .order_by("criterion__position", "criterion_id")
    )
    criteria: dict[int, str] = {}
    shares: dict[tuple[date, int], list[float]] = {}
    reviews: dict[date, dict[int, float | None]] = {}
    for a in answers:
        review = a.review
        month = _key(review.submitted_at, zone)
        criteria.setdefault(a.criterion_id, a.criterion.name)
        value = a.value or 0  # answered only (value__isnull=False)
        share = 100 * (value - review.scale_min) / (review.scale_max - review.scale_min)
        shares.setdefault((month, a.criterion_id), []).append(share)
        reviews.setdefault(month, {})[review.pk] = review.score
    for (month, criterion_id), values in shares.items():
        if month in months:
            months[month].criteria[criterion_id] = (round(statistics.fmean(values), 1), len(values))
    for month, by_review in reviews.items():
        if month in months:
            known = [s for s in by_review.values() if s is not None]
            months[month].reviews = len(by_review)
            months[month].qa = round(statistics.fmean(known), 1) if known else None

    survey_scores: dict[tuple[date, str], list[int]] = {}
    for kind, score, answered_at in Answer.objects.filter(
        agent=agent, answered_at__gte=since
    ).values_list("kind", "score", "answered_at"):
        survey_scores.setdefault((_key(answered_at, zone), kind), []).append(score)
    for (month, kind), scores in sorted(survey_scores.items(), key=lambda i: i[0][1]):
        if month in months:
            months[month].surveys.append(Survey(kind, len(scores), survey_figure(kind, scores)))

    waits: dict[date, list[int]] = {}
    for waited_until, seconds in Wait.objects.filter(
        answered_by__author=agent, answered_at__gte=since, business_seconds__isnull=False
    ).values_list("answered_at", "business_seconds"):
        if waited_until is not None and seconds is not None:  # filtered; for the types
            waits.setdefault(_key(waited_until, zone), []).append(seconds)
    for month, answered in waits.items():
        if month in months:
            months[month].waits = len(answered)
            months[month].median_wait = round(statistics.median(answered))

    for done_at in Goal.objects.filter(agent=agent, done_at__gte=since).values_list(
        "done_at", flat=True
    ):
        if done_at is not None and (month := _key(done_at, zone)) in months:
            months[month].goals_met += 1
    for day in Training.objects.filter(agent=agent, on__gte=starts[-1]).values_list(
        "on", flat=True
    ):
        if (month := day.replace(day=1)) in months:
            months[month].trainings += 1
    for held_at in CoachingSession.objects.filter(agent=agent, held_at__gte=since).values_list(
        "held_at", flat=True
    ):
        if (month := _key(held_at, zone)) in months:
            months[month].sessions += 1

    comments = list(
        Answer.objects.filter(agent=agent, answered_at__gte=since)
        .exclude(comment="")
        .select_related("conversation", "location")
        .order_by("-answered_at", "-id")[:50]
    )
    return Timeline(
        months=[months[s] for s in starts],
        criteria=sorted(criteria.items(), key=lambda i: list(criteria).index(i[0])),
        comments=comments,
    )
