"""Sign in with the username or the email address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def account_for(typed: str):
    """The account a sign-in name means: the user with that username, else the one user
    with that email address (an address two accounts share means neither); or None."""
    typed = typed.strip()
    if not typed:
        return None
    users = get_user_model().objects
    user = users.filter(username=typed).first()
    if user is not None or "@" not in typed:
        return user
    matches = list(users.filter(email__iexact=typed)[:2])
    return matches[0] if len(matches) == 1 else None


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        # One password check whatever was typed: ModelBackend hashes a dummy password for
        # a name that is no account, so an agent's address takes no longer than a stranger's.
        user = account_for(username or "")
        if user is not None:
            username = user.get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)
