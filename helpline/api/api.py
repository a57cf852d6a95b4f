"""The REST API: one NinjaAPI, OpenAPI 3 at /api/openapi.json, docs at /api/docs.

The document and the docs page are for admins (a signed-in session or an admin's token)
unless `HELPLINE_API_DOCS_PUBLIC` opens them to anyone: the document maps every operation
and field, which nobody outside needs to read. The docs page is Swagger UI from the files
django-ninja ships (served by WhiteNoise like every other asset), never from a CDN.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden, JsonResponse
from ninja import NinjaAPI, Swagger

from helpline.api import (
    appointments,
    callbacks,
    calls,
    chat,
    conversations,
    customers,
    errors,
    hours,
    insights,
    perception,
    quality,
    recovery,
    reports,
    search,
    sla,
    surveys,
    time_audit,
    webhooks,
)
from helpline.api.auth import api_auth
from helpline.core.tokens import user_from_authorization_header


class HelplineAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # Short and stable (list_conversations, …): the view's name, which is also its URL name
        # (api:list_conversations), unique across the API (tests/api/test_openapi_document.py).
        return operation.view_func.__name__


def _for_admins(view):
    """The OpenAPI document and docs: for admins, or for anyone when the setting opens them."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if settings.HELPLINE_API_DOCS_PUBLIC:
            return view(request, *args, **kwargs)
        user = request.user if request.user.is_authenticated else None
        user = user or user_from_authorization_header(request)
        if user is None or not user.is_active:
            if request.path.endswith(".json"):
                return JsonResponse(
                    {"detail": [{"field": None, "message": "Unauthorized"}]}, status=401
                )
            return redirect_to_login(request.get_full_path())
        if not (user.sees_everything or user.is_staff):
            return HttpResponseForbidden("The API's documentation is for admins.")
        return view(request, *args, **kwargs)

    return guarded


api = HelplineAPI(
    title="Helpline API",
    version="1",
    description=(
        "Customers, conversations and messages of the Helpline desk. Authenticate with "
        "`Authorization: Bearer <key>` (`helpline create-token USERNAME`), or from the desk "
        "with the session cookie and the CSRF token. Lists are paged by cursor: pass "
        "`next_cursor` back as `cursor` until it is null."
    ),
    auth=api_auth,
    urls_namespace="api",
    # No validator badge: Swagger UI would send the document's URL to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=_for_admins,
)
errors.install(api)
api.add_router("/", customers.router)
api.add_router("/", conversations.router)
api.add_router("/", search.router)
api.add_router("/", calls.router)
api.add_router("/", hours.router)
api.add_router("/", insights.router)
api.add_router("/", sla.router)
api.add_router("/", callbacks.router)
api.add_router("/", appointments.router)
api.add_router("/", webhooks.router)
api.add_router("/", recovery.router)
api.add_router("/", surveys.router)
api.add_router("/", reports.router)
api.add_router("/", perception.router)
api.add_router("/", time_audit.router)
api.add_router("/", quality.router)
api.add_router("/", chat.router)
