"""What every settings page shares: admins only, and a form that shows an action's refusal."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def admin_only(view):
    """Signed out: to the sign-in page; signed in without being an admin: 403."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.sees_everything:
            raise PermissionDenied("Only an admin changes the settings.")
        return view(request, *args, **kwargs)

    return guarded


def settings_context(section: str, **context) -> dict:
    return {"nav": "settings", "section": section, **context}
