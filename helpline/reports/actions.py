"""Keeping the reports' facts: one conversation after an event, or all of them."""

from collections.abc import Callable, Iterable

from helpline.reports import facts


def refresh_conversations(conversation_ids: Iterable[int]) -> int:
    """Recompute these conversations' facts from the source tables (idempotent)."""
    return facts.refresh(conversation_ids)


def rebuild_rollups(chunk: int = facts.CHUNK, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every conversation's facts, a chunk at a time; how many rows were written."""
    return facts.rebuild(chunk, progress)
