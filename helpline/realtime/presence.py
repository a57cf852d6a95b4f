"""Who else has a conversation open, and whether they are typing a reply.

Each open conversation page sends a heartbeat every few seconds (over the desk's socket,
helpline.realtime.consumers, or over HTTP while it is down). A heartbeat
is kept in the shared cache (the database, or Redis) for a short while, so an
agent who closes the tab or loses the connection drops out by themselves. Per
conversation a roster lists who beat lately; each agent's own entry, with its
own expiry, says whether they are still there.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from helpline.core.models import User


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    typing: bool

    def as_json(self) -> dict:
        return {"name": self.name, "typing": self.typing}

    def as_pushed(self) -> dict:
        return {"user_id": self.user_id, "name": self.name, "typing": self.typing}


def expiry_seconds() -> int:
    return settings.HELPLINE_PRESENCE_SECONDS


def _roster_key(conversation_id: int) -> str:
    return f"helpline:presence:{conversation_id}"


def _entry_key(conversation_id: int, user_id: int) -> str:
    return f"helpline:presence:{conversation_id}:{user_id}"


def beat(conversation_id: int, user: User, *, typing: bool) -> None:
    """`user` has the conversation open (and is typing a reply, or not)."""
    seconds = expiry_seconds()
    name = user.get_full_name() or user.get_username()
    cache.set(
        _entry_key(conversation_id, user.pk), {"name": name, "typing": typing}, timeout=seconds
    )
    # Two agents arriving at once may each write the roster without the other;
    # the one left out adds themselves again with their next heartbeat.
    present = {p.user_id for p in _read(conversation_id)}
    cache.set(_roster_key(conversation_id), sorted(present | {user.pk}), timeout=2 * seconds)


def leave(conversation_id: int, user: User) -> None:
    cache.delete(_entry_key(conversation_id, user.pk))


def everyone(conversation_id: int) -> list[Presence]:
    """Everyone whose heartbeat has not expired, by name (then id)."""
    return sorted(_read(conversation_id), key=lambda p: (p.name, p.user_id))


def others(conversation_id: int, user: User) -> list[Presence]:
    """Everyone but `user` whose heartbeat has not expired, by name."""
    return sorted((p for p in _read(conversation_id) if p.user_id != user.pk), key=lambda p: p.name)


def _read(conversation_id: int) -> list[Presence]:
    roster = cache.get(_roster_key(conversation_id)) or []
    keys = {_entry_key(conversation_id, user_id): user_id for user_id in roster}
    entries = cache.get_many(list(keys))
    return [
        Presence(keys[key], entry["name"], bool(entry["typing"])) for key, entry in entries.items()
    ]
