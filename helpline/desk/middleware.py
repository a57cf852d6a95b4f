"""The signed-in person's time zone, for everything a request renders."""

from django.utils import timezone


class ViewerTimeZone:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        timezone.activate(user.zone())
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
