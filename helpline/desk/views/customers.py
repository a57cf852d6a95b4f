"""Customers: the list, a profile with its timeline, editing (details, company, language,
custom fields, identities), merging, and new ones by hand."""

import contextlib
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from helpline.access import (
    CustomerAccess,
    get_customer_for,
    get_customer_seen_by,
    identities_seen_by,
    notes_seen_by,
)
from helpline.api.errors import FieldError
from helpline.api.pagination import Key, Ordering, decode_cursor, encode_cursor
from helpline.appointments.models import AppointmentStatus
from helpline.callbacks.models import CallbackStatus
from helpline.conversations.models import Conversation
from helpline.core.errors import ActionError
from helpline.core.models import Activity
from helpline.core.params import optional_id
from helpline.customers import actions, privacy
from helpline.customers.fields import InvalidValue, canonical
from helpline.customers.models import (
    Company,
    Customer,
    CustomField,
    CustomValue,
    Identity,
)
from helpline.customers.verbs import Verb as CustomerVerb
from helpline.desk.forms import (
    CustomerDetailsForm,
    CustomerForm,
    CustomerNoteForm,
    CustomValuesForm,
    EraseCustomerForm,
    IdentityForm,
    custom_field_name,
    refuse,
)
from helpline.desk.inbox import LATEST_ACTIVITY
from helpline.search import search

PAGE_SIZE = 50
TIMELINE_SIZE = 50
HISTORY_SIZE = 20
MERGE_CHOICES = 20

# The list's orders. The page link carries the last row's id; the name order looks up
# that row's name, so no customer's name ever travels in a URL.
ORDERS = {
    "newest": Ordering("desk.customers.newest", (Key("id", descending=True),)),
    "name": Ordering("desk.customers.name", (Key("name"), Key("id"))),
}
DEFAULT_ORDER = "newest"


def ordered_identities():
    return Prefetch("identities", queryset=Identity.objects.order_by("kind", "id"))


def query_from(params) -> str:
    """The search box's text, as the search module can take it (PostgreSQL refuses NUL)."""
    return (params.get("q") or "").replace("\x00", "")[: search.MAX_QUERY_CHARS].strip()


def id_from(value, field: str) -> int | None:
    """The id a link or form names in `field`, None if it names none; anything but an id is a
    400 naming the field (helpline.core.params)."""
    return optional_id(value, field)


def live_customer(view, fetch=get_customer_for):
    """Load the customer named by the URL (404 unless seen in full, or, with
    `fetch=get_customer_seen_by`, shared); a merged one sends you on."""

    @wraps(view)
    @login_required
    def wrapper(request, pk: int, *args, **kwargs):
        customer = fetch(request.user, pk, Customer.objects.select_related("location", "company"))
        if customer.merged_into_id:
            survivor = actions.resolve_merged(customer)
            messages.info(request, f"{customer} was merged into {survivor}.")
            return redirect("desk:customer", survivor.pk)
        return view(request, customer, *args, **kwargs)

    return wrapper


# The list ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def customer_list(request):
    query = query_from(request.GET)
    order_name = request.GET.get("order") if request.GET.get("order") in ORDERS else DEFAULT_ORDER
    context = {"nav": "customers", "query": query, "order": order_name, "orders": ORDERS}
    fields = list(CustomField.objects.all())
    context.update(custom_fields=fields, is_admin=request.user.sees_everything)
    field_filter = _field_filter(request.GET, fields)
    if field_filter is not None:
        field, value = field_filter
        context.update(filter_field=field, filter_value=value)
        customers, next_after = _customer_page(request, ORDERS[order_name], field_filter)
        context.update(customers=customers, next_after=next_after)
    elif query:
        hits = search.search_customers(request.user, query, limit=PAGE_SIZE)
        customers = [hit.customer for hit in hits]
        prefetch_related_objects(customers, "location", ordered_identities())
        context.update(hits=hits)
    else:
        customers, next_after = _customer_page(request, ORDERS[order_name])
        context.update(customers=customers, next_after=next_after)
    return render(request, "desk/customers.html", context)


def _field_filter(params, fields: list[CustomField]) -> tuple[CustomField, str] | None:
    """The custom field and stored value the list is filtered by, if the link names one."""
    by_key = {field.key: field for field in fields}
    field = by_key.get(params.get("field") or "")
    if field is None:
        return None
    try:
        value = canonical(field, (params.get("value") or "")[:500].replace("\x00", ""))
    except InvalidValue:
        value = ""
    return (field, value) if value else None


def _customer_page(
    request, ordering: Ordering, field_filter: tuple[CustomField, str] | None = None
) -> tuple[list[Customer], int | None]:
    visible = Customer.objects.visible_to(request.user).filter(merged_into__isnull=True)
    if field_filter is not None:
        field, value = field_filter
        visible = visible.filter(custom_values__field=field, custom_values__value=value)
    customers = visible.select_related("location").prefetch_related(ordered_identities())
    customers = customers.order_by(*ordering.order_by())
    after = id_from(request.GET.get("after"), "after")
    if after is not None:
        last = visible.filter(pk=after).first()
        if last is not None:  # a stale link (the customer merged away) shows the first page
            customers = customers.filter(ordering.after(ordering.values_of(last)))
    rows = list(customers[: PAGE_SIZE + 1])
    items, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    return items, items[-1].pk if more else None


# The profile -------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of a customer's history, as the page says it."""

    activity: Activity
    text: str
    merged: Customer | None = None  # the customer a merge took in
    undoable: bool = False


@require_http_methods(["GET", "HEAD"])
def _customer_profile(request, customer: Customer):
    return _render_customer(request, customer, CustomerNoteForm())


customer_page = live_customer(_customer_profile, fetch=get_customer_seen_by)


def _render_customer(request, customer: Customer, note_form, status: int = 200, erase_form=None):
    """The profile; a customer shared with the agent's location shows only what it
    received (helpline.access). Admins also see the data request section."""
    full = customer.access == CustomerAccess.FULL
    user = request.user
    data_request = None
    if user.sees_everything:
        data_request = {
            "erased": privacy.is_erased(customer),
            "confirmation": privacy.confirmation_for(customer),
            "form": erase_form or EraseCustomerForm(),
        }
    notes = notes_seen_by(user, customer).select_related("author").order_by("-created_at", "-id")
    identities = identities_seen_by(user, customer).order_by("kind", "id")
    conversations, next_after = _timeline(request, customer)
    value = CustomValue.objects.filter(customer=customer, field=OuterRef("pk")).values("value")
    fields = CustomField.objects.annotate(value=Subquery(value[:1])) if full else []
    context = {
        "nav": "customers",
        "customer": customer,
        "full": full,
        "identities": list(identities),
        "notes": list(notes),
        "custom_values": [(f, f.value or "") for f in fields],
        "conversations": conversations,
        "next_after": next_after,
        "history": _history(user, customer) if full else [],
        "note_form": note_form,
        "data_request": data_request,
        "now": timezone.now(),
    }
    return render(request, "desk/customer.html", context, status=status)


def _timeline(request, customer: Customer) -> tuple[list[Conversation], str | None]:
    """The customer's conversations the agent may see, latest activity first, a page at a time."""
    conversations = (
        Conversation.objects.visible_to(request.user)
        .filter(customer=customer)
        .select_related("location", "team", "assignee")
        .order_by(*LATEST_ACTIVITY.order_by())
    )
    after = request.GET.get("after")
    if after:
        with contextlib.suppress(FieldError):  # a stale or edited link shows the first page
            conversations = conversations.filter(
                LATEST_ACTIVITY.after(decode_cursor(LATEST_ACTIVITY, after))
            )
    rows = list(conversations[: TIMELINE_SIZE + 1])
    items, more = rows[:TIMELINE_SIZE], len(rows) > TIMELINE_SIZE
    if not more:
        return items, None
    return items, encode_cursor(LATEST_ACTIVITY, LATEST_ACTIVITY.values_of(items[-1]))


def _history(user, customer: Customer) -> list[Entry]:
    kind = Customer._meta.model_name
    activities = list(
        Activity.objects.filter(subject_type=kind, subject_id=customer.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")[:HISTORY_SIZE]
    )
    merges = [a for a in activities if a.verb in (actions.MERGED, actions.UNMERGED)]
    if not merges:
        return [Entry(a, _describe(a)) for a in activities]
    undone = set(
        Activity.objects.filter(verb=actions.UNMERGED, subject_type=kind, subject_id=customer.pk)
        .values_list("data__merge_id", flat=True)
        .order_by()
    )
    others = (
        Customer.objects.visible_to(user)
        .only("pk", "name", "merged_into")
        .in_bulk({a.data.get("source_id") for a in merges})
    )
    entries = []
    for activity in activities:
        other = others.get(activity.data.get("source_id")) if activity in merges else None
        undoable = (
            activity.verb == actions.MERGED
            and activity.pk not in undone
            and other is not None
            and other.merged_into_id == customer.pk
        )
        entries.append(Entry(activity, _describe(activity, other), other, undoable))
    return entries


def _describe(activity: Activity, other: Customer | None = None) -> str:
    data = activity.data
    name = str(other) if other else f"customer #{data.get('source_id')}"
    if activity.verb == actions.MERGED:
        moved = _counted(
            ("identity", "identities", len(data.get("identity_ids", []))),
            ("conversation", "conversations", len(data.get("conversation_ids", []))),
            ("note", "notes", len(data.get("note_ids", []))),
        )
        return f"Merged {name} into this customer ({moved})"
    if activity.verb == actions.UNMERGED:
        return f"Undid the merge of {name}"
    if activity.verb == CustomerVerb.CREATED:
        return "Created"
    if activity.verb == CustomerVerb.UPDATED:
        return f"Changed {' and '.join(sorted(data.get('before', {}))) or 'details'}"
    if activity.verb == CustomerVerb.IDENTITY_ADDED:
        return f"Added {data.get('kind', 'identity')} {data.get('value', '')}".rstrip()
    if activity.verb == CustomerVerb.IDENTITY_REMOVED:
        return f"Removed {data.get('kind', 'identity')} {data.get('value', '')}".rstrip()
    if activity.verb == CustomerVerb.FIELDS_CHANGED:
        return f"Changed {', '.join(sorted(data.get('after', {}))) or 'custom fields'}"
    if activity.verb == CustomerVerb.LANGUAGE_DETECTED:
        return f"Language detected from their messages: {data.get('language', '')}"
    if activity.verb == CustomerVerb.NOTE_ADDED:
        return "Added a note"
    if activity.verb == CustomerVerb.EXPORTED:
        return f"Exported their data ({data.get('files', 0)} files)"
    if activity.verb == CustomerVerb.ERASED:
        return "Erased their personal data"
    return activity.verb


def _counted(*parts: tuple[str, str, int]) -> str:
    return ", ".join(f"{n} {one if n == 1 else many}" for one, many, n in parts)


@live_customer
@require_POST
def add_note(request, customer: Customer):
    form = CustomerNoteForm(request.POST)
    if form.is_valid():
        try:
            actions.add_note(request.user, customer, form.cleaned_data["body"])
        except ActionError as exc:
            refuse(form, exc)
    if not form.is_valid():
        return _render_customer(request, customer, form, status=400)
    messages.success(request, "Note added.")
    return redirect(reverse("desk:customer", args=[customer.pk]) + "#notes")


# Editing -----------------------------------------------------------------------


@live_customer
@require_http_methods(["GET", "HEAD", "POST"])
def edit_customer(request, customer: Customer):
    details = CustomerDetailsForm(
        request.user,
        initial={
            "name": customer.name,
            "location": customer.location,
            "company": customer.company.name if customer.company_id else "",
            "language": customer.language,
        },
    )
    identity = IdentityForm()
    fields = list(CustomField.objects.all())
    stored = {v.field_id: v.value for v in customer.custom_values.all()}
    values = CustomValuesForm(
        fields, initial={custom_field_name(f): stored.get(f.pk, "") for f in fields}
    )
    part = request.POST.get("part") if request.method == "POST" else None
    if part == "identity":
        identity = IdentityForm(request.POST)
        if _add_identity(request, customer, identity):
            return redirect("desk:customer-edit", customer.pk)
    elif part == "fields":
        values = CustomValuesForm(fields, request.POST)
        if _save_values(request, customer, values):
            return redirect("desk:customer", customer.pk)
    elif request.method == "POST":
        details = CustomerDetailsForm(request.user, request.POST)
        if _save_details(request, customer, details):
            return redirect("desk:customer", customer.pk)
    prefetch_related_objects([customer], ordered_identities())
    context = {
        "nav": "customers",
        "customer": customer,
        "details": details,
        "identity": identity,
        "values": values,
        "company_names": Company.objects.values_list("name", flat=True)[:500],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/customer_edit.html", context, status=status)


@transaction.atomic
def _save_details(request, customer: Customer, form: CustomerDetailsForm) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        company_name = data["company"].strip()
        company = actions.company_named(request.user, company_name) if company_name else None
        wanted = {
            "name": data["name"].strip(),
            "location": data["location"],
            "company": company,
            "language": data["language"],
        }
        changes = {
            field: value for field, value in wanted.items() if getattr(customer, field) != value
        }
        if changes:
            actions.update_customer(request.user, customer, **changes)
    except ActionError as exc:
        transaction.set_rollback(True)  # a company made for a refused change goes too
        refuse(form, exc)
        return False
    messages.success(request, "Customer saved." if changes else "Nothing changed.")
    return True


def _save_values(request, customer: Customer, form: CustomValuesForm) -> bool:
    if not form.is_valid():
        return False
    try:
        changed = actions.set_custom_values(request.user, customer, form.values())
    except ActionError as exc:
        refuse(form, exc, {f.key: name for name, f in form.custom_fields.items()})
        return False
    messages.success(request, "Custom fields saved." if changed else "Nothing changed.")
    return True


@live_customer
@require_POST
def remove_identity(request, customer: Customer, identity_id: int):
    identity = Identity.objects.filter(pk=identity_id, customer=customer).first()
    if identity is None:
        raise Http404("No such identity")
    try:
        actions.remove_identity(request.user, identity)
    except ActionError as exc:
        messages.error(request, f"Not removed: {exc}.")
    else:
        messages.success(request, f"Removed {identity.get_kind_display().lower()} {identity}.")
    return redirect("desk:customer-edit", customer.pk)


def _add_identity(request, customer: Customer, form: IdentityForm) -> bool:
    if not form.is_valid():
        return False
    kind = form.cleaned_data["kind"]
    try:
        identity = actions.add_identity(request.user, customer, kind, form.cleaned_data["value"])
    except ActionError as exc:
        refuse(form, exc, user=request.user, customer=customer)
        return False
    messages.success(request, f"Added {identity.get_kind_display().lower()} {identity.value}.")
    return True


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_customer(request):
    form = CustomerForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = actions.create_customer(
                request.user,
                name=data["name"].strip(),
                location=data["location"],
                identities=form.identities(),
            )
        except ActionError as exc:
            refuse(form, exc, user=request.user)
        else:
            messages.success(request, f"Added customer {customer}.")
            return redirect("desk:customer", customer.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "desk/customer_new.html", {"nav": "customers", "form": form}, status=status
    )


# Merging -----------------------------------------------------------------------


@live_customer
@require_http_methods(["GET", "HEAD", "POST"])
def merge_customer(request, customer: Customer):
    if request.method == "POST":
        return _merge(request, customer)
    other_pk = id_from(request.GET.get("other"), "other")
    if other_pk is not None and other_pk != customer.pk:
        other = get_customer_for(
            request.user, other_pk, Customer.objects.select_related("location")
        )
        keep = other if id_from(request.GET.get("keep"), "keep") == other.pk else customer
        return _confirm_merge(request, customer, other, keep)
    query = query_from(request.GET)
    hits = []
    if query:
        hits = [
            hit
            for hit in search.search_customers(request.user, query, limit=MERGE_CHOICES + 1)
            if hit.customer.pk != customer.pk
        ][:MERGE_CHOICES]
        prefetch_related_objects([hit.customer for hit in hits], "location", ordered_identities())
    context = {"nav": "customers", "customer": customer, "query": query, "hits": hits}
    return render(request, "desk/customer_merge.html", context)


def _confirm_merge(request, customer: Customer, other: Customer, keep: Customer):
    source = other if keep is customer else customer
    prefetch_related_objects([source, keep], ordered_identities())
    moving = {
        "identities": len(source.identities.all()),
        "conversations": source.conversations.count(),
        "notes": source.notes.count(),
        "callbacks": source.callbacks.filter(status=CallbackStatus.OPEN).count(),
        "appointments": source.appointments.filter(status=AppointmentStatus.BOOKED).count(),
    }
    context = {
        "nav": "customers",
        "customer": customer,
        "other": other,
        "source": source,
        "into": keep,
        "moving": moving,
    }
    return render(request, "desk/customer_merge_confirm.html", context)


def _merge(request, customer: Customer):
    """POST source and into: one of them is the customer of the URL; both must be visible."""
    source_pk, into_pk = (
        id_from(request.POST.get("source"), "source"),
        id_from(request.POST.get("into"), "into"),
    )
    if source_pk is None or into_pk is None or customer.pk not in (source_pk, into_pk):
        raise Http404("No such merge")
    source = get_customer_for(request.user, source_pk)
    into = get_customer_for(request.user, into_pk)
    try:
        actions.merge(request.user, source, into)
    except actions.MergeError as exc:
        messages.error(request, f"Not merged: {exc}.")
        other = into if source.pk == customer.pk else source
        return redirect(
            reverse("desk:customer-merge", args=[customer.pk]) + f"?other={other.pk}&keep={into.pk}"
        )
    messages.success(request, f"Merged {source} into {into}. You can undo it from the history.")
    return redirect("desk:customer", into.pk)


@login_required
@require_POST
def undo_merge(request, pk: int, merge_id: int):
    customer = get_customer_for(request.user, pk)
    activity = Activity.objects.filter(
        pk=merge_id,
        verb=actions.MERGED,
        subject_type=Customer._meta.model_name,
        subject_id=customer.pk,
    ).first()
    if activity is None:
        raise Http404("No such merge")
    try:
        restored = actions.unmerge(request.user, activity)
    except actions.MergeError as exc:
        messages.error(request, f"Could not undo the merge: {exc}.")
    else:
        messages.success(request, f"Merge undone: {restored} stands alone again.")
    return redirect("desk:customer", customer.pk)


# A customer's data on request (admins only) ---------------------------------------------


def admins_only(view):
    """Checked before the customer is looked up: to anyone else the route tells nothing."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.sees_everything:
            raise PermissionDenied("Only an admin exports or erases a customer's data.")
        return view(request, *args, **kwargs)

    return wrapper


@admins_only
@require_http_methods(["GET", "HEAD"])
def export_customer(request, pk: int):
    customer = get_customer_for(request.user, pk)
    try:
        out = privacy.export_to_temporary_file(request.user, customer)
    except privacy.PrivacyError as exc:
        messages.error(request, f"Not exported: {exc}.")
        return redirect("desk:customer", customer.pk)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"customer-{customer.pk}.zip",
        content_type="application/zip",
    )


@admins_only
@require_POST
def erase_customer(request, pk: int):
    customer = get_customer_for(request.user, pk, Customer.objects.select_related("location"))
    form = EraseCustomerForm(request.POST)
    if form.is_valid():
        try:
            privacy.erase_customer(request.user, customer, form.cleaned_data["confirm"])
        except ActionError as exc:
            refuse(form, exc)
    if not form.is_valid():
        return _render_customer(request, customer, CustomerNoteForm(), status=400, erase_form=form)
    messages.success(
        request,
        "The customer's personal data was erased; their conversations and figures stay.",
    )
    return redirect("desk:customer", customer.pk)


urlpatterns = [
    path("customers/", customer_list, name="customers"),
    path("customers/new/", new_customer, name="customer-new"),
    path("customers/<int:pk>/", customer_page, name="customer"),
    path("customers/<int:pk>/notes/", add_note, name="customer-note"),
    path("customers/<int:pk>/edit/", edit_customer, name="customer-edit"),
    path(
        "customers/<int:pk>/identities/<int:identity_id>/remove/",
        remove_identity,
        name="customer-identity-remove",
    ),
    path("customers/<int:pk>/merge/", merge_customer, name="customer-merge"),
    path("customers/<int:pk>/merges/<int:merge_id>/undo/", undo_merge, name="customer-unmerge"),
    path("customers/<int:pk>/export/", export_customer, name="customer-export"),
    path("customers/<int:pk>/erase/", erase_customer, name="customer-erase"),
]
