"""The REST API: one NinjaAPI, OpenAPI 3 at /api/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI

from helpline.api import (
    appointments,
    callbacks,
    calls,
    conversations,
    customers,
    errors,
    hours,
    search,
    sla,
)
from helpline.api.auth import api_auth


class HelplineAPI(NinjaAPI):
    def get_operation_id(self, operation) -> str:
        return operation.view_func.__name__  # short and stable: list_conversations, …


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
)
errors.install(api)
api.add_router("/", customers.router)
api.add_router("/", conversations.router)
api.add_router("/", search.router)
api.add_router("/", calls.router)
api.add_router("/", hours.router)
api.add_router("/", sla.router)
api.add_router("/", callbacks.router)
api.add_router("/", appointments.router)
