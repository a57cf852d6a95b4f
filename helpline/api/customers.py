"""/api/customers: find, read, create and change customers, their notes, identities and
custom fields; /api/companies and /api/customer-fields to read what those name."""

import re

from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from ninja import Query, Router, Status

from helpline.access import (
    CustomerAccess,
    get_customer_for,
    get_customer_seen_by,
    identities_seen_by,
)
from helpline.api import lookups
from helpline.api.errors import IN_USE, FieldError
from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import (
    CompanyFilters,
    CompanyOut,
    CustomerDetail,
    CustomerFilters,
    CustomerIn,
    CustomerPage,
    CustomerPatch,
    CustomFieldOut,
    EraseIn,
    EraseOut,
    ErrorOut,
    IdentityIn,
    IdentityOut,
    MergeIn,
    MergeOut,
    NoteIn,
    NoteOut,
)
from helpline.core.errors import ActionError
from helpline.core.models import Activity
from helpline.customers import actions, privacy
from helpline.customers.fields import InvalidValue, canonical
from helpline.customers.identities import InvalidIdentity, normalise
from helpline.customers.models import (
    Company,
    Customer,
    CustomerNote,
    CustomField,
    CustomValue,
    Identity,
    IdentityKind,
)

router = Router(tags=["customers"])

NEWEST_FIRST = Ordering("customers", (Key("id", descending=True),))
PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{3,}$")
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def customer_prefetches() -> list[Prefetch]:
    """What CustomerOut reads besides the customer's row."""
    return [
        Prefetch("identities", queryset=Identity.objects.order_by("id")),
        Prefetch(
            "custom_values",
            queryset=CustomValue.objects.select_related("field").order_by("field__position"),
        ),
    ]


def _customers():
    return Customer.objects.select_related("location", "company").prefetch_related(
        *customer_prefetches()
    )


def _detail(user, pk: int) -> Customer:
    """A customer seen in full or shared (helpline.access): shared, only what it received."""
    customer = get_customer_seen_by(
        user, pk, Customer.objects.select_related("location", "company")
    )
    if customer.access == CustomerAccess.FULL:
        notes = CustomerNote.objects.select_related("author").order_by("-created_at", "-id")
        prefetch_related_objects([customer], *customer_prefetches(), Prefetch("notes", notes))
        return customer
    identities = identities_seen_by(user, customer).order_by("id")
    prefetch_related_objects(
        [customer],
        Prefetch("identities", queryset=identities),
        Prefetch("custom_values", queryset=CustomValue.objects.none()),
        Prefetch("notes", queryset=CustomerNote.objects.none()),
    )
    return customer


@router.get("/customers", response={200: CustomerPage, **ERRORS})
def list_customers(request, filters: Query[CustomerFilters], page: Query[PageParams]) -> dict:
    customers = _customers().visible_to(request.auth).filter(merged_into__isnull=True)
    if filters.location is not None:
        customers = customers.filter(location_id=filters.location)
    if filters.company is not None:
        customers = customers.filter(company_id=filters.company)
    if filters.field is not None or filters.value is not None:
        customers = customers.filter(_with_value(filters.field, filters.value))
    if filters.q and filters.q.strip():
        customers = customers.filter(_matching(filters.q.strip()))
    return paginate(customers, NEWEST_FIRST, page)


def _with_value(key: str | None, value: str | None) -> Q:
    """Customers whose custom field `key` has `value` (compared in the field's stored form)."""
    if not key:
        raise FieldError("field", "required with value")
    field = CustomField.objects.filter(key=key).first()
    if field is None:
        raise FieldError("field", f"no custom field is called {key!r}")
    if value is None or not value.strip():
        raise FieldError("value", "required with field")
    try:
        stored = canonical(field, value)
    except InvalidValue as exc:
        raise FieldError("value", str(exc)) from None
    return Exists(CustomValue.objects.filter(customer=OuterRef("pk"), field=field, value=stored))


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
@transaction.atomic
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
            user,
            name=payload.name.strip(),
            location=location,
            identities=identities,
            language=payload.language,
        )
        if payload.company and payload.company.strip():
            actions.update_customer(
                user, customer, company=actions.company_named(user, payload.company)
            )
        _set_custom_fields(user, customer, payload.custom_fields)
    except IntegrityError:  # another request took an address meanwhile
        raise FieldError("emails", IN_USE, status=409) from None
    return Status(201, _detail(user, customer.pk))


def _set_custom_fields(user, customer: Customer, values: dict) -> None:
    """Raises inside the caller's transaction, so a refused value changes nothing at all."""
    if not values:
        return
    try:
        actions.set_custom_values(user, customer, values)
    except ActionError as exc:
        raise FieldError(f"custom_fields.{exc.field}", str(exc)) from None


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
            raise FieldError(f"{field}.{index}", IN_USE, status=409)
        yield kind, value


@router.patch("/customers/{int:customer_id}", response={200: CustomerDetail, **ERRORS})
@transaction.atomic
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
    if "company" in given:
        name = (payload.company or "").strip()
        company = actions.company_named(user, name) if name else None
        if company != customer.company:
            changes["company"] = company
    if "language" in given:
        if payload.language is None:
            raise FieldError("language", 'may be "" but not null')
        if payload.language != customer.language:
            changes["language"] = payload.language
    if changes:
        actions.update_customer(user, customer, **changes)
    _set_custom_fields(user, customer, payload.custom_fields)
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
        raise FieldError("value", IN_USE, status=409)
    try:
        identity = actions.add_identity(request.auth, customer, payload.kind, payload.value)
    except IntegrityError:  # another request added it meanwhile
        raise FieldError("value", IN_USE, status=409) from None
    return Status(201, identity)


@router.delete(
    "/customers/{int:customer_id}/identities/{int:identity_id}",
    response={204: None, **ERRORS},
    description=(
        "Take an address or number off the customer. Its messages stay; the next message "
        "from it starts a customer of its own. 404 unless it is this customer's; 400 naming "
        "`identity_id` when it is the customer's only one."
    ),
)
def remove_customer_identity(request, customer_id: int, identity_id: int):
    customer = get_customer_for(request.auth, customer_id)
    identity = Identity.objects.filter(pk=identity_id, customer=customer).first()
    if identity is None:
        raise Http404("No such identity")
    try:
        actions.remove_identity(request.auth, identity)
    except ActionError as exc:
        raise FieldError("identity_id", str(exc)) from None
    return Status(204, None)


# Companies and custom fields -------------------------------------------------


@router.get("/companies", response={200: list[CompanyOut], **ERRORS})
def list_companies(request, filters: Query[CompanyFilters]):
    """Companies by name (a part of it), with how many of their customers you serve."""
    companies = Company.objects.all()
    if filters.q and filters.q.strip():
        companies = companies.filter(name__icontains=filters.q.strip())
    return list(_with_counts(request.auth, companies)[:200])


@router.get("/companies/{int:company_id}", response={200: CompanyOut, **ERRORS})
def get_company(request, company_id: int):
    """A company; its customers are `GET /api/customers?company=ID`."""
    company = _with_counts(request.auth, Company.objects.filter(pk=company_id)).first()
    if company is None:
        raise Http404("No such company")
    return company


def _with_counts(user, companies):
    visible = Customer.objects.visible_to(user).filter(
        company=OuterRef("pk"), merged_into__isnull=True
    )
    count = visible.order_by().values("company").annotate(n=Count("pk")).values("n")
    return companies.annotate(customer_count=Coalesce(Subquery(count), 0))


@router.get("/customer-fields", response={200: list[CustomFieldOut], **ERRORS})
def list_custom_fields(request):
    """The custom fields an admin defined (managed in the desk, Customers → Custom fields)."""
    return list(CustomField.objects.all())


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


# A customer's data on request -----------------------------------------------------------

ADMIN_ERRORS = {**ERRORS, 403: ErrorOut}


def _admin_only(user) -> None:
    # Before the customer is looked up: a non-admin learns nothing, not even whether it exists.
    if not user.sees_everything:
        raise PermissionError("Only an admin exports or erases a customer's data.")


@router.get(
    "/customers/{int:customer_id}/export",
    response={200: None, **ADMIN_ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "customer-<id>.zip: customer.json and the files it names",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    description=(
        "Everything about one customer, for a data request: a ZIP holding `customer.json` "
        "(the customer and those merged into it, identities, notes, custom fields, their "
        "history, conversations with messages and events, callbacks, appointments, surveys "
        "and answers, sentiment and themes, recovery cases, raw mails) and the attachments "
        "and raw mails as files, named in the JSON by `path`. Admins only (403); the export "
        "is logged on the customer. 400 naming `customer` for a customer merged into another "
        "(export that one)."
    ),
)
def export_customer(request, customer_id: int):
    user = request.auth
    _admin_only(user)
    customer = get_customer_for(user, customer_id)
    return FileResponse(
        privacy.export_to_temporary_file(user, customer),
        as_attachment=True,
        filename=f"customer-{customer.pk}.zip",
        content_type="application/zip",
    )


@router.post(
    "/customers/{int:customer_id}/erase",
    response={200: EraseOut, **ADMIN_ERRORS},
    description=(
        "Erase a customer's personal data and keep the statistics: the customer (and those "
        "merged into it) becomes `Erased customer #<id>`; identities, notes, custom values, "
        "subjects, message text, attachments, raw mails, survey comments, numbers and "
        "addresses go, while conversations, messages, times, SLA figures, survey scores, "
        "channels and locations stay. Cannot be undone. `confirm` must be the customer's "
        "name as shown (400 naming `confirm` otherwise, or when it was erased already). "
        "Admins only (403); logged on the customer."
    ),
)
def erase_customer(request, customer_id: int, payload: EraseIn):
    user = request.auth
    _admin_only(user)
    customer = get_customer_for(user, customer_id)
    activity = privacy.erase_customer(user, customer, payload.confirm)
    customer.refresh_from_db()
    return {
        "activity_id": activity.pk,
        "customer_id": customer.pk,
        "name": customer.name,
        "erased": {k: v for k, v in activity.data["erased"].items() if isinstance(v, int)},
    }
