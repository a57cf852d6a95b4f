"""The survey figures, by their definitions (models), with their coverage: a score from a
small, self-selected slice is not the customers' verdict, so every figure says how many
surveys went out per conversation solved, and how many came back."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Q

from helpline.conversations.models import Conversation
from helpline.feedback.models import GOOD_FROM, Answer, Kind, Survey, SurveyStatus, bad_scores


@dataclass(frozen=True)
class Figures:
    kind: str
    answers: int
    score: float | None  # CSAT %, NPS, or CES share of "easy" (percent)
    mean: float | None  # the mean score (CES shows it beside the share)
    solved: int
    sent: int

    @property
    def sent_per_solved(self) -> float | None:
        return round(100 * self.sent / self.solved, 1) if self.solved else None

    @property
    def answered_per_sent(self) -> float | None:
        return round(100 * self.answers / self.sent, 1) if self.sent else None


def compute(
    kind: str, since: datetime, until: datetime, location_ids: list[int] | None = None
) -> Figures:
    answers = Answer.objects.filter(kind=kind, answered_at__gte=since, answered_at__lt=until)
    surveys = Survey.objects.filter(kind=kind, sent_at__gte=since, sent_at__lt=until).exclude(
        purpose="kiosk"
    )
    solved = Conversation.objects.filter(solved_at__gte=since, solved_at__lt=until)
    if location_ids is not None:
        answers = answers.filter(location_id__in=location_ids)
        surveys = surveys.filter(location_id__in=location_ids)
        solved = solved.filter(location_id__in=location_ids)
    row = answers.aggregate(
        n=Count("id"),
        mean=Avg("score"),
        good=Count("id", filter=Q(score__gte=GOOD_FROM[Kind(kind)])),
        detractors=Count("id", filter=Q(score__lte=6)),
    )
    n = row["n"]
    score = None
    if n:
        if kind == Kind.NPS:
            score = round(100 * (row["good"] - row["detractors"]) / n, 1)
        else:
            score = round(100 * row["good"] / n, 1)
    return Figures(
        kind=kind,
        answers=n,
        score=score,
        mean=round(row["mean"], 2) if row["mean"] is not None else None,
        solved=solved.count(),
        sent=surveys.filter(
            status__in=(SurveyStatus.SENT, SurveyStatus.ANSWERED, SurveyStatus.WITHDRAWN)
        ).count(),
    )


def latest_answers(conversation_ids: list[int]) -> dict[int, Answer]:
    """The latest answer of each of these conversations, in one query (the inbox's chips)."""
    found: dict[int, Answer] = {}
    if not conversation_ids:
        return found
    rows = (
        Answer.objects.filter(conversation_id__in=conversation_ids)
        .only("id", "conversation_id", "kind", "score", "answered_at")
        .order_by("conversation_id", "-answered_at", "-id")
    )
    for answer in rows:
        found.setdefault(answer.conversation_id, answer)
    return found


def rated_badly():
    """The ids of conversations with a bad answer, as a subquery (the inbox's filter)."""
    return Answer.objects.filter(bad_scores(), conversation__isnull=False).values("conversation_id")
