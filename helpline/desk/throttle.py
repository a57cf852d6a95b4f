"""Failed sign-ins, counted per account and per client address in the shared cache.

Each key has HELPLINE_SIGN_IN_ATTEMPTS slots. An attempt takes a free slot of its
account and of its address *before* the password is checked, with `cache.add`, which
is atomic on every cache backend (Redis SET NX; a primary key in the database cache):
so parallel guesses cannot all pass a check made before any of them was counted.
A failure keeps its slots for the lockout window; a success gives back its address's
slot and clears the account's. With no free slot the attempt is refused, right
password or not.

With two-factor sign-in the code after the password is an attempt of the same account
(`begin_code`): a right password then gives back only its own slots (`passed_password`),
so knowing the password buys no more code guesses; only a passed code clears the account.

The account is the one the typed name signs in to (its username, or an email address
that belongs to exactly one account), so `jonas` and `jonas@…` share one count; a name
that is no account is counted as typed, lower-cased.
"""

import hashlib
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from helpline.core.auth import account_for


@dataclass(frozen=True)
class Attempt:
    """The slots one sign-in attempt holds until it is settled."""

    account: str
    slots: tuple[str, ...]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _account_key(username: str) -> str:
    user = account_for(username)
    if user is not None:
        return f"signin:user:{user.pk}"
    return f"signin:name:{_digest(username.strip().lower())}"


def _window() -> int:
    return settings.HELPLINE_SIGN_IN_LOCKOUT_MINUTES * 60


def _take_slot(key: str, limit: int | None = None, seconds: int | None = None) -> str | None:
    for slot in range(settings.HELPLINE_SIGN_IN_ATTEMPTS if limit is None else limit):
        name = f"{key}:{slot}"
        if cache.add(name, 1, _window() if seconds is None else seconds):
            return name
    return None


def _slots(key: str) -> list[str]:
    return [f"{key}:{slot}" for slot in range(settings.HELPLINE_SIGN_IN_ATTEMPTS)]


def begin(username: str, address: str) -> Attempt | None:
    """Count an attempt before checking it; None when the account or the address has
    used up its attempts."""
    account = _account_key(username)
    taken = []
    for key in (f"signin:addr:{address}", account):
        slot = _take_slot(key)
        if slot is None:
            cache.delete_many(taken)  # refused unchecked: it does not count
            return None
        taken.append(slot)
    return Attempt(account, tuple(taken))


def begin_code(user_pk: int, address: str) -> Attempt | None:
    """Count a try of the second step (a code) as one more attempt of the account."""
    account = f"signin:user:{user_pk}"
    taken = []
    for key in (f"signin:addr:{address}", account):
        slot = _take_slot(key)
        if slot is None:
            cache.delete_many(taken)
            return None
        taken.append(slot)
    return Attempt(account, tuple(taken))


def passed_password(attempt: Attempt) -> None:
    """The password was right but a code is still to come: the attempt does not count."""
    cache.delete_many(list(attempt.slots))


def succeeded(attempt: Attempt) -> None:
    address_slot, _ = attempt.slots
    cache.delete_many([address_slot, *_slots(attempt.account)])


def may_send_reset(email: str, address: str) -> bool:
    """Password-reset mail: at most HELPLINE_PASSWORD_RESETS_PER_HOUR per address asked
    for and per client, so the form cannot be used to flood a mailbox."""
    limit = settings.HELPLINE_PASSWORD_RESETS_PER_HOUR
    taken = []
    for key in (f"reset:addr:{address}", f"reset:email:{_digest(email.strip().lower())}"):
        slot = _take_slot(key, limit, 3600)
        if slot is None:
            cache.delete_many(taken)
            return False
        taken.append(slot)
    return True


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy that appends to X-Forwarded-For
    (HELPLINE_TRUST_X_FORWARDED_FOR) that header's last entry, which is the address the proxy
    saw; the entries before it are the client's word and could let anyone dodge the limit."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.HELPLINE_TRUST_X_FORWARDED_FOR:
        return remote
    last = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return remote
