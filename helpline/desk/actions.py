"""The desk's own state changes: an agent's saved inbox views."""

from django.db import transaction

from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.models import User
from helpline.desk.inbox import VIEWS, Filters
from helpline.desk.models import SavedView
from helpline.desk.verbs import Verb

MAX_SAVED_VIEWS = 50


def saved_query(view: str, filters: Filters) -> str:
    """The query string a saved view opens: the inbox view and its filters, nothing else."""
    slug = view if view in VIEWS else "open"
    rest = filters.query_string()
    return f"view={slug}" + (f"&{rest}" if rest else "")


@transaction.atomic
def save_view(owner: User, name: str, view: str, filters: Filters) -> SavedView:
    """Save the view and filters under `name`; the same name again replaces what it held."""
    name = " ".join(name.split())[:80]
    if not name:
        raise ActionError("give the view a name", "name")
    query = saved_query(view, filters)
    saved = SavedView.objects.select_for_update().filter(owner=owner, name=name).first()
    if saved is None:
        if SavedView.objects.filter(owner=owner).count() >= MAX_SAVED_VIEWS:
            raise ActionError(f"you can keep at most {MAX_SAVED_VIEWS} views", "name")
        saved = SavedView.objects.create(owner=owner, name=name, query=query)
    elif saved.query != query:
        saved.query = query
        saved.save(update_fields=["query"])
    record(owner, Verb.VIEW_SAVED, saved, name=name, query=query)
    return saved


@transaction.atomic
def delete_view(owner: User, saved: SavedView) -> None:
    if saved.owner_id != owner.pk:
        raise ActionError("that view is someone else's", "view")
    record(owner, Verb.VIEW_DELETED, saved, name=saved.name, query=saved.query)
    saved.delete()
