"""Rows that are work to do once: claimed by a conditional UPDATE, retried with back-off.

The email outbox, the SLA notification mail and the event bus's deliveries are such rows.
A row is *pending* until a worker claims it; two workers never both claim it, and a claim
older than `claim_seconds` belongs to a worker that died and may be taken again. A failure
puts the row back with a later `next_attempt_at` until `max_attempts`, then it is *failed*
and waits for a person ("run again"). The model holds the fields `status`, `attempts`,
`next_attempt_at`, `claimed_at` and `last_error`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def backoff(attempts: int, base_seconds: int | None = None) -> timedelta:
    """How long to wait before the next try after `attempts` failed ones: doubling, at most 1 h."""
    base = settings.HELPLINE_OUTBOX_RETRY_SECONDS if base_seconds is None else base_seconds
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class WorkQueue:
    # A model with the fields named above; reached through its default manager (`objects`).
    model: type[models.Model]
    pending: str
    claimed: str
    done: str
    failed: str
    # Settings, read when used, so that tests and deployments can change them.
    claim_seconds: Callable[[], int] = lambda: settings.HELPLINE_OUTBOX_CLAIM_SECONDS
    max_attempts: Callable[[], int] = lambda: settings.HELPLINE_OUTBOX_MAX_ATTEMPTS
    retry_seconds: Callable[[], int] = lambda: settings.HELPLINE_OUTBOX_RETRY_SECONDS

    def _claimable(self) -> models.Q:
        now = timezone.now()
        stale = now - timedelta(seconds=self.claim_seconds())
        return models.Q(status=self.pending, next_attempt_at__lte=now) | models.Q(
            status=self.claimed, claimed_at__lt=stale
        )

    def claim(self, pk: int):
        """The row, now claimed by the caller; None when it is not due or someone has it."""
        taken = self.model._default_manager.filter(self._claimable(), pk=pk).update(
            status=self.claimed, claimed_at=timezone.now()
        )
        return self.model._default_manager.get(pk=pk) if taken else None

    def finish(self, row, **fields) -> None:
        self.model._default_manager.filter(pk=row.pk).update(
            status=self.done, attempts=row.attempts + 1, last_error="", claimed_at=None, **fields
        )

    def fail(self, row, error: str, *, final: bool = False) -> str:
        """Back to pending with a later try, or failed for good (after the last try, or at
        once when `final`: an error no retry can mend); the new status."""
        attempts = row.attempts + 1
        final = final or attempts >= self.max_attempts()
        status = self.failed if final else self.pending
        self.model._default_manager.filter(pk=row.pk).update(
            status=status,
            attempts=attempts,
            last_error=error[:2000],
            claimed_at=None,
            next_attempt_at=timezone.now() + backoff(attempts, self.retry_seconds()),
        )
        return status

    def again(self, rows: models.QuerySet) -> int:
        """A person asks for failed (or any) rows to be tried again, from the first attempt."""
        return rows.update(
            status=self.pending, next_attempt_at=timezone.now(), claimed_at=None, attempts=0
        )

    def due_ids(self, limit: int = 500) -> list[int]:
        """Rows whose task was lost, whose retry is due, or whose worker died."""
        return list(
            self.model._default_manager.filter(self._claimable())
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
