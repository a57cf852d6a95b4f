"""Two-factor sign-in: an authenticator app's TOTP codes (django-otp's TOTPDevice), ten
one-time recovery codes, the roles that must use them, and the sign-in audit.

The actions of this module are the only writers of those rows. A person enrols by starting
(an unconfirmed device with a new secret), then confirming with a code from the app, which
makes the device theirs and returns the recovery codes, shown once. Signing in, the desk
checks the password first and then `verify_second_factor`; the throttle that bounds both
steps is the desk's (desk/throttle.py), per account, atomic.

API tokens are not touched by two-factor sign-in: a token is issued by an operator
(`helpline create-token`) and authenticates by itself, so keep them few and revoke the
token of anyone who leaves.
"""

import hashlib
import re
import secrets
import time
from base64 import b32encode
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.models import (
    RecoveryCode,
    Role,
    SignInFactor,
    SignInRecord,
    TwoFactorRequirement,
    User,
)
from helpline.core.verbs import Verb

RECOVERY_CODES = 10
_TOTP = re.compile(r"[0-9]{6}")
# A recovery code is 10 random bytes in base32: 16 of a-z and 2-7, shown in groups of four.
_RECOVERY = re.compile(r"[a-z2-7]{16}")
DEVICE_NAME = "Authenticator app"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normal_recovery_code(typed: str) -> str:
    return re.sub(r"[\s-]", "", typed).lower()


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice | None:
    """The device being set up: its secret shown, not yet confirmed with a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_url(device: TOTPDevice) -> str:
    return device.config_url


def required_roles() -> set[str]:
    return set(TwoFactorRequirement.objects.values_list("role", flat=True))


def is_required(user: User) -> bool:
    return TwoFactorRequirement.objects.filter(role=user.role).exists()


# The enrolment guard asks on every request whether the person's role requires two-factor
# sign-in; the answer changes rarely, so each process remembers it this long (a change
# made in another web process reaches this one's signed-in sessions within that time).
REQUIRED_ROLES_SECONDS = 30.0
_required_memo: tuple[float, frozenset[str]] | None = None


def forget_required_roles() -> None:
    global _required_memo
    _required_memo = None


def _required_roles_recently() -> frozenset[str]:
    global _required_memo
    now = time.monotonic()
    if _required_memo is None or _required_memo[0] < now:
        _required_memo = (now + REQUIRED_ROLES_SECONDS, frozenset(required_roles()))
    return _required_memo[1]


# Set in a session that passed a second factor (or enrolled): the desk's TwoFactorEnrolment
# guard and the real-time socket then ask nothing more of it.
SESSION_VERIFIED = "helpline_two_factor_verified"


def must_enrol(user: User) -> bool:
    """Their role requires a second factor and they have none yet. No query for a role
    that does not require it (the common case), but for the first in REQUIRED_ROLES_SECONDS."""
    if user.role not in _required_roles_recently():
        return False
    return not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def start_enrolment(actor: User) -> TOTPDevice:
    """A new secret for the signed-in person to scan; it counts once confirmed."""
    if confirmed_device(actor) is not None:
        raise ActionError("Two-factor sign-in is already on; turn it off first.")
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name=DEVICE_NAME, confirmed=False)


def _check_totp(device: TOTPDevice, code: str) -> bool:
    # Only ASCII digits: int() would read "١٢٣٤٥٦" too. verify_token keeps the last time step
    # used, so one code signs in once; the device row is locked so two requests cannot both
    # use it (SQLite's IMMEDIATE transactions serialise writers anyway).
    if not _TOTP.fullmatch(code):
        return False
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    return bool(locked.verify_token(code))


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [b32encode(secrets.token_bytes(10)).decode().lower() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(c)) for c in codes)
    return ["-".join(code[i : i + 4] for i in range(0, 16, 4)) for code in codes]


@transaction.atomic
def confirm_enrolment(actor: User, code: str) -> list[str]:
    """The code from the app proves it holds the secret: two-factor sign-in is on. Returns
    the recovery codes, which cannot be read again."""
    device = pending_device(actor)
    if device is None:
        raise ActionError("Start setting up two-factor sign-in first.")
    if not _check_totp(device, code.strip()):
        raise ActionError(
            "That code is not the one your app shows now: enter the six digits it shows.", "code"
        )
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    codes = _new_recovery_codes(actor)
    record(actor, Verb.TWO_FACTOR_ENABLED, actor)
    return codes


@transaction.atomic
def disable(actor: User, password: str, code: str) -> None:
    """The person turns two-factor sign-in off, with their password and a current code (or a
    recovery code). Refused while their role requires it."""
    device = confirmed_device(actor)
    if device is None:
        raise ActionError("Two-factor sign-in is not on.")
    if is_required(actor):
        raise ActionError(
            f"Two-factor sign-in is required for the {actor.get_role_display()} role; "
            "an admin can lift that in Settings → Sign-in security."
        )
    if not actor.check_password(password):
        raise ActionError("That is not your password.", "password")
    if verify_second_factor(actor, code) is None:
        raise ActionError("That code is wrong or was used already.", "code")
    _remove(actor)
    record(actor, Verb.TWO_FACTOR_DISABLED, actor)


def _remove(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


@transaction.atomic
def reset(actor: User | None, user: User) -> None:
    """An admin (or the operator, `helpline reset-two-factor`: no actor) removes a person's
    authenticator and recovery codes (a lost phone): they sign in with the password alone,
    or enrol again if their role requires it."""
    if actor is not None and not actor.sees_everything:
        raise PermissionError("only an admin resets someone's two-factor sign-in")
    _remove(user)
    record(actor, Verb.TWO_FACTOR_RESET, user)


@transaction.atomic
def verify_second_factor(user: User, typed: str) -> str | None:
    """Which factor `typed` passes for `user` (an authenticator code, or an unused recovery
    code, used up now), or None. The caller throttles."""
    typed = typed.strip()
    device = confirmed_device(user)
    if device is None:
        return None
    if _TOTP.fullmatch(typed):
        return SignInFactor.TOTP if _check_totp(device, typed) else None
    code = _normal_recovery_code(typed)
    if not _RECOVERY.fullmatch(code):
        return None
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return SignInFactor.RECOVERY if used == 1 else None


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def set_required_roles(actor: User, roles: set[str]) -> set[str]:
    """The roles whose people must use two-factor sign-in (admins only)."""
    if not actor.sees_everything:
        raise PermissionError("only an admin changes who must use two-factor sign-in")
    unknown = roles - set(Role.values)
    if unknown:
        raise ActionError(f"no such role: {', '.join(sorted(unknown))}", "roles")
    before = required_roles()
    TwoFactorRequirement.objects.exclude(role__in=roles).delete()
    for role in roles - before:
        TwoFactorRequirement.objects.create(role=role, set_by=actor)
    transaction.on_commit(forget_required_roles)
    forget_required_roles()
    if before != roles:
        record(
            actor,
            Verb.TWO_FACTOR_REQUIRED,
            actor,
            before=sorted(before),
            after=sorted(roles),
        )
    return roles


def record_sign_in(
    outcome: str,
    *,
    user: User | None = None,
    typed_name: str = "",
    address: str = "",
    user_agent: str = "",
    factor: str = "",
) -> SignInRecord:
    """One row of the sign-in audit. Never give it a password or a code."""
    return SignInRecord.objects.create(
        user=user,
        typed_name=typed_name.strip()[:150],
        outcome=outcome,
        factor=factor,
        address=address or None,
        user_agent=user_agent[:200],
    )


def forget_old_sign_ins(older_than_days: int | None = None) -> int:
    """Delete audit rows older than HELPLINE_SIGN_IN_AUDIT_DAYS, a slice at a time."""
    days = settings.HELPLINE_SIGN_IN_AUDIT_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(SignInRecord.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:1000])
        if not ids:
            return deleted
        deleted += SignInRecord.objects.filter(pk__in=ids).delete()[0]
