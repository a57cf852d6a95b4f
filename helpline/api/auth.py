"""Who is calling: an agent's Bearer token, or the desk UI's logged-in session.

Thin django-ninja wrappers: the tokens themselves are `helpline.core.tokens`.
"""

from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer

from helpline.core import tokens


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a key from `helpline create-token`."""

    def authenticate(self, request, token):
        user = tokens.authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The Django session of a logged-in agent; unsafe methods need the CSRF token.

    Unlike ninja's `django_auth`, a request without a session is simply not
    authenticated here (401), rather than failing the CSRF check (403).
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        if key is None:
            return None
        user = request.user
        return user if user.is_authenticated and user.is_active else None


api_auth = [TokenAuth(), SessionAuth()]
