"""The inbox: one of the views, filtered, a page at a time, refreshed by polling."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from helpline.desk import inbox
from helpline.desk.inbox import DEFAULT_VIEW, VIEWS, Filters
from helpline.desk.views.notifications import unread_count


def _view(request) -> inbox.View:
    return VIEWS.get(request.GET.get("view", ""), VIEWS[DEFAULT_VIEW])


@login_required
@require_GET
def inbox_page(request):
    view = _view(request)
    filters = Filters.from_query(request.GET)
    page = inbox.page(request.user, view, filters, request.GET.get("after"))
    context = {
        "nav": "inbox",
        **_rows_context(page, timezone.now()),
        "views": VIEWS.values(),
        "filters": filters,
        "first_page": not request.GET.get("after"),
        "counts": inbox.counts(request.user, filters),
        "count_cap": inbox.COUNT_CAP,
        **inbox.filter_choices(request.user),
        "sorts": [(key, label) for key, (label, _) in inbox.SORTS.items()],
        "poll_ms": settings.HELPLINE_INBOX_POLL_SECONDS * 1000,
    }
    return render(request, "desk/inbox.html", context)


@login_required
@require_GET
def inbox_updates(request):
    """Polled by the inbox: new counts and the bell's, and the first page again when anything
    changed."""
    view = _view(request)
    filters = Filters.from_query(request.GET)
    now = timezone.now()
    since = _since(request.GET.get("since"))
    result = {
        "now": now.isoformat(),
        "counts": inbox.counts(request.user, filters),
        "unread": unread_count(request.user),
    }
    if since is None or inbox.changed_since(request.user, since):
        page = inbox.page(request.user, view, filters)
        result["rows"] = render_to_string(
            "desk/_inbox_rows.html", _rows_context(page, now), request
        )
    return JsonResponse(result)


def _rows_context(page: inbox.Page, now: datetime) -> dict:
    # Fifty reverse() calls a page add up; the rows append the id to one prefix instead.
    prefix = reverse("desk:conversation", args=[0]).removesuffix("0/")
    return {"page": page, "view": page.view, "now": now, "conversation_url": prefix}


def _since(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return moment if moment.tzinfo else None


urlpatterns = [
    path("", inbox_page, name="inbox"),
    path("inbox/updates/", inbox_updates, name="inbox-updates"),
]
