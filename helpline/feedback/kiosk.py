"""A location's public walk-in survey page ("kiosk"), reached by a QR code printed in the
store: its URL carries a signature of the location, so locations cannot be walked through
by number. Answers count for the location, never for a customer.

Rate limit per device: a device (client address and browser) gives at most
HELPLINE_KIOSK_ANSWERS_PER_HOUR answers an hour, counted in the shared cache with
`cache.add` slots (atomic on every backend), as the sign-in throttle does.
"""

import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import constant_time_compare

from helpline.conversations.models import Channel
from helpline.core.models import Location
from helpline.feedback.models import Kind, SurveyPolicy

SALT = "helpline.feedback.kiosk"


def token_for(location: Location) -> str:
    return signing.Signer(salt=SALT).signature(str(location.pk))


def valid(location: Location, token: str) -> bool:
    return constant_time_compare(token_for(location), token)


def kind_for(location: Location) -> str:
    """The kind of the location's walk-in policy (the first active one matching walk-ins at
    the location), CSAT without one."""
    for policy in SurveyPolicy.objects.filter(active=True):
        if (policy.location_id in (None, location.pk)) and policy.channel in ("", Channel.WALK_IN):
            return policy.kind
    return Kind.CSAT


def _device(request) -> str:
    who = f"{request.META.get('REMOTE_ADDR', '')}|{request.headers.get('User-Agent', '')}"
    return hashlib.sha256(who.encode()).hexdigest()[:32]


def take_slot(request, location: Location) -> bool:
    """Whether this device may answer now (and count it)."""
    limit = getattr(settings, "HELPLINE_KIOSK_ANSWERS_PER_HOUR", 5)
    key = f"kiosk:{location.pk}:{_device(request)}"
    return any(cache.add(f"{key}:{slot}", 1, 3600) for slot in range(limit))
