"""Per-agent API tokens. The key is shown once; only its SHA-256 is kept.

The one place that creates, hashes and checks keys and reads them from an
`Authorization: Bearer <key>` header: the API's auth classes, the attachment
download view and `helpline create-token` all come here.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from helpline.core.activity import record
from helpline.core.models import ApiToken, User
from helpline.core.verbs import Verb

KEY_PREFIX = "hlp_"
# last_used_at is a hint for admins, not an audit trail: write it at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_token(user: User, name: str = "", *, actor: User | None = None) -> str:
    """Create a token for `user` and return its key; the key cannot be read again."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], key_hash=hash_key(key), prefix=key[:8]
    )
    record(actor or user, Verb.TOKEN_ISSUED, token, user_id=user.pk, name=token.name)
    return key


def authenticate(key: str) -> User | None:
    """The active user a key belongs to, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return token.user


def user_from_authorization_header(request) -> User | None:
    """The user of a request's `Authorization: Bearer <key>` header, or None.

    For plain Django views that also accept a token (attachment downloads);
    the API reads the header through django-ninja's `HttpBearer` instead.
    """
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return authenticate(key.strip())
