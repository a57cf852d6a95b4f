"""The desk's page for a request it refuses as a whole (400): a link whose parameter is not
what it must be (helpline.core.params) says which one, on a page of the desk."""

from django.shortcuts import render

from helpline.core.params import InvalidParameter


def bad_request(request, exception=None):
    field = exception.field if isinstance(exception, InvalidParameter) else ""
    reason = str(exception) if isinstance(exception, InvalidParameter) else ""
    return render(request, "desk/bad_request.html", {"field": field, "reason": reason}, status=400)
