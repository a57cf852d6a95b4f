"""Keeping the reports' facts: one conversation after an event, or all of them."""

from collections.abc import Callable, Iterable

from helpline.reports import facts


def refresh_conversations(conversation_ids: Iterable[int]) -> int:
    """Recompute these conversations' facts from the source tables (idempotent)."""
    return facts.refresh(conversation_ids)


def rebuild_rollups(chunk: int = facts.CHUNK, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every conversation's facts, a chunk at a time; how many rows were written."""
    return facts.rebuild(chunk, progress)


def answer_self_assessment(user, values: dict, today):
    """Save this person's self-assessment for the period containing `today` (one per person
    and period; answering again overwrites it while the period lasts)."""
    from helpline.reports.models import SelfAssessment
    from helpline.reports.perception import period_of, team_of

    start, end = period_of(today)
    team = team_of(user)
    location = team.location if team and team.location_id else None
    if location is None:
        location = user.locations.order_by("name").first()
    answer, _ = SelfAssessment.objects.update_or_create(
        user=user,
        period_start=start,
        defaults={**values, "period_end": end, "team": team, "location": location},
    )
    return answer


def set_self_assessment_period(months: int) -> None:
    from helpline.reports.models import SelfAssessmentSettings

    SelfAssessmentSettings.objects.update_or_create(pk=1, defaults={"period_months": months})
