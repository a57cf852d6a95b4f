"""State changes of customers. Every one is logged in the activity log."""

from django.db import transaction

from helpline.core.activity import record
from helpline.core.models import Location, User
from helpline.customers.identities import normalise
from helpline.customers.models import Customer, CustomerNote, Identity


def resolve_merged(customer: Customer) -> Customer:
    """The customer that now holds a merged customer's history."""
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = customer.merged_into
    return customer


def find_by_identity(kind: str, value: str) -> Identity | None:
    return (
        Identity.objects.select_related("customer")
        .filter(kind=kind, value=normalise(kind, value))
        .first()
    )


@transaction.atomic
def create_customer(
    actor: User | None,
    *,
    name: str = "",
    location: Location | None = None,
    identities: list[tuple[str, str]] = (),
) -> Customer:
    """Create a customer with identities (kind, value); values must be new."""
    customer = Customer.objects.create(name=name, location=location)
    region = location.country if location else ""
    for kind, value in identities:
        Identity.objects.create(customer=customer, kind=kind, value=normalise(kind, value, region))
    record(actor, "customer.created", customer, name=name)
    return customer


@transaction.atomic
def add_identity(actor: User | None, customer: Customer, kind: str, value: str) -> Identity:
    region = customer.location.country if customer.location_id else ""
    identity = Identity.objects.create(
        customer=customer, kind=kind, value=normalise(kind, value, region)
    )
    record(actor, "customer.identity_added", customer, kind=kind, value=identity.value)
    return identity


@transaction.atomic
def update_customer(actor: User | None, customer: Customer, **changes) -> Customer:
    allowed = {"name", "location"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    before = {field: str(getattr(customer, field)) for field in changes}
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.save(update_fields=[*changes, "updated_at"])
    record(actor, "customer.updated", customer, before=before)
    return customer


@transaction.atomic
def add_note(actor: User | None, customer: Customer, body: str) -> CustomerNote:
    note = CustomerNote.objects.create(customer=customer, author=actor, body=body)
    record(actor, "customer.note_added", customer, note_id=note.pk)
    return note
