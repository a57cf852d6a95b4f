"""TOTP codes computed here, from RFC 6238 and RFC 4226 with hmac and struct, not by the
package the desk uses: a test that signs in with one checks the desk against the standard."""

import hashlib
import hmac
import struct
import time
from base64 import b32decode


def hotp(key: bytes, counter: int, digits: int = 6) -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    (number,) = struct.unpack(">I", mac[offset : offset + 4])
    return f"{(number & 0x7FFFFFFF) % 10**digits:0{digits}d}"


def time_step(at: float | None = None, step: int = 30) -> int:
    return int((time.time() if at is None else at) // step)


def totp(key: bytes, at: float | None = None) -> str:
    return hotp(key, time_step(at))


def key_of_secret(text: str) -> bytes:
    """The key behind the secret as a page shows it (base32 in groups, no padding)."""
    compact = text.replace(" ", "").upper()
    return b32decode(compact + "=" * (-len(compact) % 8))


def fresh_code(user) -> str:
    """A code the user's authenticator would show that the desk has not seen used: a code
    signs in once, so after one use in this 30-second step take the next step's (the desk
    accepts one step of clock drift either way)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user)
    key = bytes.fromhex(device.key)
    now = time_step()
    step = max(now - 1, (device.last_t or -1) + 1)
    assert step <= now + 1, "no unused code in this window: wait for the next step"
    return hotp(key, step)


def enrol(user) -> list[str]:
    """Turn two-factor sign-in on for `user` through the actions, as the /me/ pages do;
    returns the recovery codes."""
    from helpline.core import twofactor

    device = twofactor.start_enrolment(user)
    return twofactor.confirm_enrolment(user, totp(bytes.fromhex(device.key)))
