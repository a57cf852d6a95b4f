"""The signature every delivery carries, like Stripe's.

    Helpline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

The key is the endpoint's secret as UTF-8 bytes (the whole `whsec_…` string); the message is
the timestamp in decimal, a full stop, and the raw request body, byte for byte. A receiver
recomputes it, compares in constant time, and refuses a timestamp older than its replay
window (docs/webhooks.md). Several `v1=` values may appear one day (while a secret is
rotated); a receiver accepts the request when any of them matches.
"""

import hashlib
import hmac
import time

HEADER = "Helpline-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str,
    body: bytes,
    value: str,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether a Helpline-Signature header value signs `body` with `secret`, recently enough
    (for a receiver written in Python; the tests check signatures with their own code)."""
    fields = [part.split("=", 1) for part in value.split(",") if "=" in part]
    stamps = [v for k, v in fields if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit():
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, v.strip()) for k, v in fields if k.strip() == "v1")
