"""Keeping the reports' facts: one conversation after an event, or all of them; the
self-assessment answers; the managers' weekly digest."""

from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction

from helpline.core.activity import record
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


# The weekly digest (helpline.reports.digest)


def queue_digest(content) -> tuple:
    """Queue the digest of `content` (a digest.Content) as staff mail (core.staff_mail, text
    and HTML) with its Digest row, in one transaction; once per person and week: a second
    call (the beat task twice, two workers, the command) queues nothing and returns the first
    row. Returns (the row, whether this call made it)."""
    from helpline.core import staff_mail
    from helpline.reports.models import Digest
    from helpline.reports.verbs import Verb

    user = content.user
    try:
        with transaction.atomic():
            # A second digest of the week fails on the Digest row and rolls back its mail
            # (and the mail's after-commit enqueue) with it.
            mail = staff_mail.queue(user, content.subject, content.text, html=content.html)
            row = Digest.objects.create(user=user, week_start=content.week_start, email=mail)
            record(
                None,
                Verb.DIGEST_QUEUED,
                row,
                user=user.pk,
                week=content.week_start.isoformat(),
                start=content.start.isoformat(),
                end=content.end.isoformat(),
            )
    except IntegrityError:  # this week's digest exists already
        return Digest.objects.get(user=user, week_start=content.week_start), False
    return row, True


def send_digests(now=None) -> dict:
    """The beat task (hourly) and `helpline send-digests`: queue the digest of everyone whose
    Monday morning has come and who has none this week. The staff mail sends them (its task
    after commit; its sweep retries). Safe to run any number of times."""
    from helpline.reports import digest
    from helpline.reports.models import Digest

    queued = 0
    cache: dict = {}  # perception gaps, shared by managers of one location
    for user in digest.recipients():
        week = digest.due_week(user, now)
        if week is None or Digest.objects.filter(user=user, week_start=week).exists():
            continue
        content = digest.compose(user, week, cache)
        if content is None:
            continue
        _, made = queue_digest(content)
        queued += made
    return {"queued": queued}


def set_digest(user, wanted: bool):
    """The person's own choice to get the weekly digest or not."""
    from helpline.reports.models import DigestChoice
    from helpline.reports.verbs import Verb

    with transaction.atomic():
        choice, _ = DigestChoice.objects.update_or_create(user=user, defaults={"wanted": wanted})
        record(user, Verb.DIGEST_CHOSEN, choice, wanted=wanted)
    return choice
