"""Failed sign-ins, counted per account and per client address in the shared cache.

After HELPLINE_SIGN_IN_ATTEMPTS failures within the lockout window, further
attempts for that account or from that address are refused, right password
or not, until the window passes. A successful sign-in clears the account's count.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str) -> list[str]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"signin:user:{account}", f"signin:addr:{address}"]


def _window() -> int:
    return settings.HELPLINE_SIGN_IN_LOCKOUT_MINUTES * 60


def locked(username: str, address: str) -> bool:
    counts = cache.get_many(_keys(username, address))
    return any(n >= settings.HELPLINE_SIGN_IN_ATTEMPTS for n in counts.values())


def failed(username: str, address: str) -> None:
    for key in _keys(username, address):
        # add() starts the window at the first failure; incr() keeps its expiry.
        if not cache.add(key, 1, _window()):
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.add(key, 1, _window())


def succeeded(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])


def client_address(request) -> str:
    # Behind a proxy, set the proxy to overwrite REMOTE_ADDR; a client-supplied
    # X-Forwarded-For would let anyone dodge the per-address limit.
    return request.META.get("REMOTE_ADDR", "")
