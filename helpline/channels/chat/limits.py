"""Rate limits against abuse, counted in the "counters" cache (the process's memory, or Redis
with CACHE_URL: see the settings).

Messages per minute per visitor and connections at once per address. A visitor over a limit
is refused quietly: the widget is told to slow down, nothing is stored.
"""

import ipaddress

from django.conf import settings
from django.core.cache import caches


def socket_address(scope: dict) -> str:
    """The visitor's address: the socket's peer, or behind a proxy that appends to
    X-Forwarded-For (HELPLINE_TRUST_X_FORWARDED_FOR, as the desk's sign-in throttle reads it)
    that header's last entry."""
    remote = (scope.get("client") or ("",))[0] or "unknown"
    if not settings.HELPLINE_TRUST_X_FORWARDED_FOR:
        return remote
    headers = dict(scope.get("headers", []))
    last = headers.get(b"x-forwarded-for", b"").decode("latin-1").rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return remote


def _count(key: str, timeout: int) -> int:
    cache = caches["counters"]
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def message_allowed(visitor: str) -> bool:
    """Count one message of `visitor`; False when over the limit of this minute."""
    return _count(f"helpline:chat:msgs:{visitor}", 60) <= settings.HELPLINE_CHAT_MESSAGES_PER_MINUTE


def connection_opened(address: str) -> bool:
    """Count a connection from `address`; False (and not counted) when it has too many open."""
    key = f"helpline:chat:conns:{address}"
    if _count(key, 3600) > settings.HELPLINE_CHAT_CONNECTIONS_PER_IP:
        connection_closed(address)
        return False
    return True


def connection_closed(address: str) -> None:
    key = f"helpline:chat:conns:{address}"
    cache = caches["counters"]
    try:
        if cache.decr(key) < 0:
            cache.set(key, 0, timeout=3600)
    except ValueError:
        pass
