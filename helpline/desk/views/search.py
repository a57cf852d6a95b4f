"""Search across conversations and customers, with the inbox's filters."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods

from helpline.conversations.models import Status
from helpline.desk.inbox import Filters, filter_choices
from helpline.desk.views.customers import ordered_identities
from helpline.search import search

PAGE_SIZE = 20
CUSTOMER_HITS = 8


@login_required
@require_http_methods(["GET", "HEAD"])
def search_page(request):
    # PostgreSQL refuses NUL in text, and the search module passes some through.
    params = {name: value.replace("\x00", "") for name, value in request.GET.items()}
    query = (params.get("q") or "")[: search.MAX_QUERY_CHARS]
    filters = Filters.from_query(params)
    status = params.get("status") if params.get("status") in Status.values else None
    after = _cursor(params.get("after"))
    hits, customer_hits, next_cursor = [], [], None
    if query.strip():
        hits = search.search_conversations(
            request.user,
            query,
            filters={**filters.as_mapping(), "status": status},
            limit=PAGE_SIZE + 1,
            after=after,
        )
        if len(hits) > PAGE_SIZE:
            hits, next_cursor = hits[:PAGE_SIZE], hits[PAGE_SIZE - 1].cursor
        prefetch_related_objects([hit.conversation for hit in hits], "tags")
        if after is None:
            customer_hits = search.search_customers(request.user, query, limit=CUSTOMER_HITS)
            prefetch_related_objects(
                [hit.customer for hit in customer_hits], "location", ordered_identities()
            )
    kept = {"q": query, **filters.as_mapping(), "status": status}
    kept = {name: value for name, value in kept.items() if value is not None}
    context = {
        "search_query": query,
        "searched": bool(query.strip()),
        "hits": hits,
        "customer_hits": customer_hits,
        "more_url": f"?{urlencode({**kept, 'after': next_cursor})}" if next_cursor else None,
        "filters": filters,
        "status": status,
        "filtered": bool(filters) or status is not None,
        "clear_url": f"?{urlencode({'q': query})}",
        "first_page": after is None,
        **filter_choices(request.user),
        "statuses": Status.choices,
    }
    return render(request, "desk/search.html", context)


def _cursor(value: str | None) -> str | None:
    """A cursor as the search gave it (`rank:id`); anything else shows the first page."""
    try:
        return value if search.parse_cursor(value) else None
    except ValueError:
        return None


urlpatterns = [
    path("search/", search_page, name="search"),
]
