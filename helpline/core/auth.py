"""Sign in with the username or the email address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None or not username or "@" not in username:
            return user
        matches = list(get_user_model().objects.filter(email__iexact=username.strip())[:2])
        if len(matches) != 1:  # an address two accounts share signs in neither
            return None
        return super().authenticate(
            request, username=matches[0].get_username(), password=password, **kwargs
        )
