"""/api/customers: find, read, create and change customers, their notes and identities."""

import re

from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from ninja import Query, Router, Status

from helpline.access import get_customer_for
from helpline.api import lookups
from helpline.api.errors import FieldError
from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import (
    CustomerDetail,
    CustomerFilters,
    CustomerIn,
    CustomerPage,
    CustomerPatch,
    ErrorOut,
    IdentityIn,
    IdentityOut,
    MergeIn,
    MergeOut,
    NoteIn,
    NoteOut,
)
from helpline.core.models import Activity
from helpline.customers import actions
from helpline.customers.identities import InvalidIdentity, normalise
from helpline.customers.models import Customer, CustomerNote, Identity, IdentityKind

router = Router(tags=["customers"])

NEWEST_FIRST = Ordering("customers", (Key("id", descending=True),))
PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{3,}$")
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _customers():
    return Customer.objects.select_related("location").prefetch_related(
        Prefetch("identities", queryset=Identity.objects.order_by("id"))
    )


def _detail(user, pk: int) -> Customer:
    notes = CustomerNote.objects.select_related("author").order_by("-created_at", "-id")
    return get_customer_for(user, pk, _customers().prefetch_related(Prefetch("notes", notes)))


@router.get("/customers", response={200: CustomerPage, **ERRORS})
def list_customers(request, filters: Query[CustomerFilters], page: Query[PageParams]) -> dict:
    customers = _customers().visible_to(request.auth).filter(merged_into__isnull=True)
    if filters.location is not None:
        customers = customers.filter(location_id=filters.location)
    if filters.q and filters.q.strip():
        customers = customers.filter(_matching(filters.q.strip()))
    return paginate(customers, NEWEST_FIRST, page)


def _matching(q: str) -> Q:
    identities = Identity.objects.filter(customer=OuterRef("pk"))
    condition = Q(name__icontains=q) | Exists(identities.filter(value__icontains=q))
    # Phones are stored as E.164 (+442071838750): match the digits however typed,
    # without the national trunk prefix ("020 7183 8750").
    digits = re.sub(r"\D", "", q).lstrip("0")
    if PHONE_LIKE.match(q) and len(digits) >= 3:
        condition |= Exists(identities.filter(kind=IdentityKind.PHONE, value__contains=digits))
    return condition


@router.get("/customers/{int:customer_id}", response={200: CustomerDetail, **ERRORS})
def get_customer(request, customer_id: int):
    return _detail(request.auth, customer_id)


@router.post("/customers", response={201: CustomerDetail, **ERRORS})
def create_customer(request, payload: CustomerIn):
    user = request.auth
    location = lookups.location(user, payload.location_id)
    if location is None and not user.sees_everything:
        served = sorted(user.location_ids())
        if len(served) != 1:
            raise FieldError("location_id", "required: you serve more than one location")
        location = lookups.location(user, served[0])
    region = location.country if location else ""
    seen: set[tuple[str, str]] = set()
    identities = [
        *_new_identities(IdentityKind.EMAIL, payload.emails, "emails", region, seen),
        *_new_identities(IdentityKind.PHONE, payload.phones, "phones", region, seen),
    ]
    try:
        customer = actions.create_customer(
            user, name=payload.name.strip(), location=location, identities=identities
        )
    except IntegrityError:  # another request took an address meanwhile
        raise FieldError("emails", "an address or number already belongs to a customer") from None
    return Status(201, _detail(user, customer.pk))


def _new_identities(kind: str, values: list[str], field: str, region: str, seen: set):
    for index, value in enumerate(values):
        try:
            normalised = normalise(kind, value, region)
        except InvalidIdentity as exc:
            raise FieldError(f"{field}.{index}", str(exc)) from None
        if (kind, normalised) in seen:
            raise FieldError(f"{field}.{index}", "given twice")
        seen.add((kind, normalised))
        if Identity.objects.filter(kind=kind, value=normalised).exists():
            raise FieldError(f"{field}.{index}", "already belongs to a customer")
        yield kind, value


@router.patch("/customers/{int:customer_id}", response={200: CustomerDetail, **ERRORS})
def update_customer(request, customer_id: int, payload: CustomerPatch):
    user = request.auth
    customer = get_customer_for(user, customer_id)
    given = payload.model_fields_set
    changes = {}
    if "name" in given:
        if payload.name is None:
            raise FieldError("name", "may be empty but not null")
        changes["name"] = payload.name.strip()
    if "location_id" in given:
        if payload.location_id is None and not user.sees_everything:
            raise FieldError("location_id", "only an admin may take a customer off its location")
        changes["location"] = lookups.location(user, payload.location_id)
    if changes:
        actions.update_customer(user, customer, **changes)
    return _detail(user, customer.pk)


@router.post("/customers/{int:customer_id}/notes", response={201: NoteOut, **ERRORS})
def add_customer_note(request, customer_id: int, payload: NoteIn):
    customer = get_customer_for(request.auth, customer_id)
    if not payload.body.strip():
        raise FieldError("body", "a note needs text")
    return Status(201, actions.add_note(request.auth, customer, payload.body))


@router.post("/customers/{int:customer_id}/identities", response={201: IdentityOut, **ERRORS})
def add_customer_identity(request, customer_id: int, payload: IdentityIn):
    customer = get_customer_for(request.auth, customer_id, _customers())
    region = customer.location.country if customer.location_id else ""
    try:
        value = normalise(payload.kind, payload.value, region)
    except InvalidIdentity as exc:
        raise FieldError("value", str(exc)) from None
    if Identity.objects.filter(kind=payload.kind, value=value).exists():
        raise FieldError("value", "already belongs to a customer")
    try:
        identity = actions.add_identity(request.auth, customer, payload.kind, payload.value)
    except IntegrityError:  # another request added it meanwhile
        raise FieldError("value", "already belongs to a customer") from None
    return Status(201, identity)


# Merging ---------------------------------------------------------------------

# The domain names the argument to blame; the API names the request value.
MERGE_FIELDS = {"source": "customer_id", "into": "into_id", "activity": "merge_id"}


def _merge_refused(exc: actions.MergeError) -> FieldError:
    return FieldError(MERGE_FIELDS.get(exc.field, exc.field or None), str(exc))


@router.post(
    "/customers/{int:customer_id}/merge",
    response={200: MergeOut, **ERRORS},
    description=(
        "Merge this customer into `into_id`: its identities, conversations and notes move "
        "to the target, and this customer is kept with `merged_into_id` set (it leaves the "
        "customer list but can still be read by id). Answers `{merge_id, customer}`: the "
        "target as `GET /api/customers/{id}` shows it, and the id to pass to "
        "`POST /api/customers/merges/{merge_id}/undo`. 404 when this customer is not one "
        "you serve; 400 naming `into_id` when the target is unknown, not one you serve, "
        "this customer itself or itself merged; 400 naming `customer_id` when this "
        "customer was already merged."
    ),
)
def merge_customer(request, customer_id: int, payload: MergeIn):
    user = request.auth
    source = get_customer_for(user, customer_id)
    into = lookups.customer(user, payload.into_id, field="into_id")
    try:
        activity = actions.merge(user, source, into)
    except actions.MergeError as exc:
        raise _merge_refused(exc) from None
    return {"merge_id": activity.pk, "customer": _detail(user, into.pk)}


@router.post(
    "/customers/merges/{int:merge_id}/undo",
    response={200: CustomerDetail, **ERRORS},
    description=(
        "Undo a merge: what it moved goes back to the merged customer, which stands alone "
        "again and is returned. 404 when `merge_id` is not a merge of a customer you serve; "
        "400 naming `merge_id` when it was already undone, when either customer has been "
        "merged again since, or when the merged customer is not one you serve."
    ),
)
def undo_merge(request, merge_id: int):
    user = request.auth
    activity = Activity.objects.filter(
        pk=merge_id, verb=actions.MERGED, subject_type=Customer._meta.model_name
    ).first()
    if activity is None:
        raise Http404("No such merge")
    get_customer_for(user, activity.subject_id)  # the target: 404 unless served
    try:
        source = actions.unmerge(user, activity)
    except actions.MergeError as exc:
        raise _merge_refused(exc) from None
    return _detail(user, source.pk)
