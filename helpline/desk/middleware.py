"""The signed-in person's time zone, for everything a request renders; the guard that keeps
someone who must set up two-factor sign-in on that page; and the refusal of NUL bytes."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import timezone

from helpline.core import twofactor
from helpline.core.params import InvalidParameter


class RefuseNulBytes:
    """A NUL byte is in no text anyone types, and PostgreSQL refuses to store one: a form that
    saves what it is given (a note, tags, a signature) answered 500. A posted one is refused
    at the edge, a 400 naming the field; a query string only reads (search shows a page for
    one). The API refuses it in its own (JSON) way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    field = name.replace("\x00", "")
                    raise InvalidParameter("a NUL byte is in no text", field)
        return self.get_response(request)


class ViewerTimeZone:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        # override, not activate/deactivate: the zone that was active before comes back after
        # (a test's client runs the request in the test's own thread).
        with timezone.override(user.zone()):
            return self.get_response(request)


# The session of someone whose password was right and whose code is still to come. It is
# not signed in: it holds only who, until when, and where to go after the code.
PENDING = "helpline_sign_in_pending"
# Set when this session passed a second factor (or enrolled): TwoFactorEnrolment then asks
# nothing more of it.
VERIFIED = twofactor.SESSION_VERIFIED
# What a person who must enrol may still open: the enrolment pages, and the way out.
ENROLMENT_ROUTES = {
    "desk:two-factor",
    "desk:two-factor-start",
    "desk:two-factor-confirm",
    "desk:two-factor-qr",
    "desk:sign-out",
}


class TwoFactorEnrolment:
    """Someone signed in whose role requires two-factor sign-in (core.twofactor) and who has
    no authenticator yet may do nothing but set one up, or sign out: every other page sends
    them to the set-up page, and the API answers 403. This covers a requirement switched on
    while they were signed in, too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.session.get(VERIFIED)
            or not twofactor.must_enrol(user)
        ):
            return self.get_response(request)
        try:
            name = resolve(request.path_info).view_name
        except Resolver404:
            name = ""
        if name in ENROLMENT_ROUTES:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": "Set up two-factor sign-in first: your role requires it."}, status=403
            )
        return redirect("desk:two-factor")
