"""The inbox: one of the views, filtered, a page at a time, refreshed by polling; what an agent
does to several conversations at once; their saved views."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from helpline.conversations import actions
from helpline.conversations.models import Conversation, Priority
from helpline.core.errors import ActionError
from helpline.core.models import Role, User
from helpline.core.params import is_id, optional_moment, parse_id
from helpline.desk import actions as desk_actions
from helpline.desk import inbox
from helpline.desk.inbox import DEFAULT_VIEW, VIEWS, Filters
from helpline.desk.models import SavedView
from helpline.desk.views.notifications import unread_count

# How many conversations one bulk action may touch: a page and then some.
BULK_LIMIT = 200


def _view(request) -> inbox.View:
    return VIEWS.get(request.GET.get("view", ""), VIEWS[DEFAULT_VIEW])


@login_required
@require_GET
def inbox_page(request):
    filters = Filters.from_query(request.GET)
    counts = inbox.counts(request.user, filters)
    if "view" in request.GET:
        view = _view(request)
    else:  # an agent starts on their own work when they have some
        view = VIEWS["mine"] if counts["mine"] else VIEWS[DEFAULT_VIEW]
    page = inbox.page(request.user, view, filters, request.GET.get("after"))
    saved_views = list(SavedView.objects.filter(owner=request.user))
    current_query = desk_actions.saved_query(view.slug, filters)
    context = {
        "nav": "inbox",
        **_rows_context(page, timezone.now()),
        "views": VIEWS.values(),
        "filters": filters,
        "first_page": not request.GET.get("after"),
        "counts": counts,
        "count_cap": inbox.COUNT_CAP,
        **inbox.filter_choices(request.user),
        "sorts": [(key, label) for key, (label, _) in inbox.SORTS.items()],
        "poll_ms": settings.HELPLINE_INBOX_POLL_SECONDS * 1000,
        "saved_views": saved_views,
        "current_saved": next((s for s in saved_views if s.query == current_query), None),
        "agents": _assignable_agents(request.user),
        "this_page": request.get_full_path(),
    }
    return render(request, "desk/inbox.html", context)


def _assignable_agents(user: User) -> list[tuple[int, str]]:
    """Whom the bulk "Assign to" offers besides "Me": (id, name) of the active people of the
    locations the user serves (assign refuses, per conversation, one who does not serve its
    location). Plain values: the inbox is polled and rendered often."""
    agents = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if not user.sees_everything:
        agents = agents.filter(
            Q(locations__in=user.location_ids()) | Q(role=Role.ADMIN) | Q(is_superuser=True)
        ).distinct()
    rows = agents.order_by("first_name", "last_name", "username").values_list(
        "pk", "first_name", "last_name", "username"
    )
    return [(pk, f"{first} {last}".strip() or username) for pk, first, last, username in rows]


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
    """The `now` of the previous poll; None (everything is new) when there was none."""
    return optional_moment(value, "since")


def _back_to_inbox(request):
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}) or not back.startswith("/"):
        back = reverse("desk:inbox")
    return redirect(back)


@login_required
@require_POST
def inbox_bulk(request):
    """One action on the selected conversations, each through its conversation action (one
    activity entry each). Only conversations the agent may see: an id of another location's
    names nothing, as one that never existed (404), and nothing is changed."""
    ids = {parse_id(v, "ids") for v in request.POST.getlist("ids")}
    if len(ids) > BULK_LIMIT:
        return HttpResponseBadRequest(f"Choose at most {BULK_LIMIT} conversations at once.")
    selected = list(Conversation.objects.visible_to(request.user).filter(pk__in=ids).order_by("pk"))
    if not selected or len(selected) < len(ids):
        raise Http404("No such conversation")
    try:
        act, done = _bulk_action(request)
    except ActionError as error:
        messages.error(request, f"Nothing was changed: {str(error)}.")
        return _back_to_inbox(request)
    refused = []
    for conversation in selected:
        try:
            act(conversation)
        except ActionError as error:
            refused.append(f"#{conversation.pk}: {str(error)}")
    changed = len(selected) - len(refused)
    if changed:
        noun = "conversation" if changed == 1 else "conversations"
        messages.success(request, f"{done} {changed} {noun}.")
    if refused:
        messages.warning(request, "Not changed — " + "; ".join(refused))
    return _back_to_inbox(request)


def _bulk_action(request):
    """The action the form asked for, as a function of one conversation, and its past tense."""
    user, posted = request.user, request.POST
    action = posted.get("action", "")
    if action == "solve":
        return (lambda c: actions.solve(user, c)), "Solved"
    if action == "priority":
        priority = posted.get("priority", "")
        if priority not in Priority.values:
            raise ActionError("choose a priority", "priority")
        return (lambda c: actions.set_priority(user, c, priority)), "Changed the priority of"
    if action == "tag":
        tag = posted.get("tag", "").strip()
        if not tag:
            raise ActionError("type a tag to add", "tag")
        return (lambda c: actions.add_tags(user, c, [tag])), f"Tagged “{tag[:64]}”:"
    if action == "assign":
        value = posted.get("assignee", "")
        if value == "me":
            assignee: User | None = user
        elif value == "none":
            assignee = None
        else:
            assignee = (
                User.objects.filter(pk=value, is_active=True).first() if is_id(value) else None
            )
            if assignee is None:
                raise ActionError("choose whom to assign to", "assignee")
        who = "nobody" if assignee is None else assignee.get_full_name() or assignee.username
        return (lambda c: actions.assign(user, c, assignee=assignee)), f"Assigned to {who}:"
    raise ActionError("choose what to do", "action")


@login_required
@require_POST
def saved_view_save(request):
    try:
        saved = desk_actions.save_view(
            request.user,
            request.POST.get("name", ""),
            request.POST.get("view", ""),
            Filters.from_query(request.POST),
        )
    except ActionError as error:
        messages.error(request, f"The view was not saved: {str(error)}.")
        return _back_to_inbox(request)
    messages.success(request, f"Saved the view “{saved.name}”.")
    return redirect(f"{reverse('desk:inbox')}?{saved.query}")


@login_required
@require_POST
def saved_view_delete(request, pk: int):
    saved = SavedView.objects.filter(pk=pk, owner=request.user).first()
    if saved is None:  # someone else's does not exist for you
        raise Http404("No such view")
    desk_actions.delete_view(request.user, saved)
    messages.success(request, f"Deleted the view “{saved.name}”.")
    return redirect("desk:inbox")


urlpatterns = [
    path("", inbox_page, name="inbox"),
    path("inbox/updates/", inbox_updates, name="inbox-updates"),
    path("inbox/bulk/", inbox_bulk, name="inbox-bulk"),
    path("inbox/views/", saved_view_save, name="saved-view-save"),
    path("inbox/views/<int:pk>/delete/", saved_view_delete, name="saved-view-delete"),
]
