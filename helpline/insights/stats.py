"""Per theme: volume, share of bad scores, trend per week (read only, for the desk and API).

A theme's text "has a score" when a survey answer is linked to it: the answer the comment
belongs to, or any answer on the message's conversation. Its bad-score share is the share of
those texts with a bad answer (CSAT ≤ 2, NPS ≤ 6, CES ≤ 3), shown with the count behind it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from helpline.core.models import User
from helpline.insights.models import Source, SurveyScore, Text, Theme

WEEKS = 8


@dataclass
class ThemeFigures:
    theme: Theme
    volume: int = 0
    scored: int = 0  # texts with a linked survey answer
    bad: int = 0
    weeks: list[int] = field(default_factory=list)  # oldest first, WEEKS of them

    @property
    def bad_share(self) -> float | None:
        return self.bad / self.scored if self.scored else None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def figures(user: User, *, weeks: int = WEEKS, now: datetime | None = None) -> list[ThemeFigures]:
    """Every current theme (merged ones folded in), biggest first, over the last `weeks`."""
    now = now or timezone.now()
    first_week = week_start(timezone.localdate(now)) - timedelta(weeks=weeks - 1)
    since = timezone.make_aware(datetime.combine(first_week, datetime.min.time()))
    rows = {
        theme.pk: ThemeFigures(theme, weeks=[0] * weeks)
        for theme in Theme.objects.filter(merged_into__isnull=True)
    }
    texts = Text.objects.visible_to(user).filter(theme__isnull=False, written_at__gte=since)
    bad = SurveyScore.objects.filter(bad=True)
    any_score = SurveyScore.objects.all()
    linked = texts.annotate(
        own_bad=Exists(bad.filter(answer_id=OuterRef("source_id"))),
        own_any=Exists(any_score.filter(answer_id=OuterRef("source_id"))),
        conv_bad=Exists(bad.filter(conversation_id=OuterRef("conversation_id"))),
        conv_any=Exists(any_score.filter(conversation_id=OuterRef("conversation_id"))),
    )
    survey = Q(source=Source.SURVEY_ANSWER)
    counts = linked.values("theme_id").annotate(
        volume=Count("id"),
        scored=Count("id", filter=(survey & Q(own_any=True)) | Q(conv_any=True)),
        bad=Count("id", filter=(survey & Q(own_bad=True)) | Q(conv_bad=True)),
    )
    for row in counts:
        figures_of = rows.get(row["theme_id"])
        if figures_of is not None:
            figures_of.volume, figures_of.scored, figures_of.bad = (
                row["volume"],
                row["scored"],
                row["bad"],
            )
    daily = (
        texts.annotate(day=TruncDate("written_at"))
        .values("theme_id", "day")
        .annotate(n=Count("id"))
    )
    for row in daily:
        figures_of = rows.get(row["theme_id"])
        index = (week_start(row["day"]) - first_week).days // 7
        if figures_of is not None and 0 <= index < weeks:
            figures_of.weeks[index] += row["n"]
    return sorted(rows.values(), key=lambda f: (-f.volume, f.theme.name))
