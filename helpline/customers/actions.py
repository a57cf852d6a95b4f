"""State changes of customers. Every one is logged in the activity log."""

from collections.abc import Iterable, Iterator

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from helpline.conversations.models import Conversation, Direction, Message
from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.models import Activity, Location, User
from helpline.customers.events import customers_merged, customers_unmerged
from helpline.customers.identities import InvalidIdentity, normalise
from helpline.customers.models import Customer, CustomerNote, Identity


class MergeError(ActionError):
    """A merge or unmerge the domain refuses, naming the argument to blame."""


def resolve_merged(customer: Customer) -> Customer:
    """The customer that now holds a merged customer's history."""
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = customer.merged_into
    return customer


@transaction.atomic
def create_customer(
    actor: User | None,
    *,
    name: str = "",
    location: Location | None = None,
    identities: list[tuple[str, str]] = (),
) -> Customer:
    """Create a customer with identities (kind, value); values must be new.

    A value that is not an address or number, or that is someone's already, is an
    ActionError naming its kind ("email", "phone") as the field.
    """
    customer = Customer.objects.create(name=name, location=location)
    region = location.country if location else ""
    for kind, value in identities:
        _create_identity(customer, kind, value, region, field=kind)
    record(actor, "customer.created", customer, name=name)
    return customer


@transaction.atomic
def add_identity(actor: User | None, customer: Customer, kind: str, value: str) -> Identity:
    """A new address or number for the customer; an ActionError on "value" when refused."""
    region = customer.location.country if customer.location_id else ""
    identity = _create_identity(customer, kind, value, region, field="value")
    record(actor, "customer.identity_added", customer, kind=kind, value=identity.value)
    return identity


def _create_identity(customer: Customer, kind: str, value: str, region: str, *, field: str):
    try:
        normalised = normalise(kind, value, region)
    except InvalidIdentity as exc:
        raise ActionError(str(exc), field) from None
    taken = Identity.objects.filter(kind=kind, value=normalised)
    owner = taken.values_list("customer", flat=True).first()
    if owner is not None:
        if owner == customer.pk:
            raise ActionError(f"{normalised} is already this customer's", field)
        raise ActionError(f"{normalised} already belongs to another customer", field)
    try:
        # A savepoint: another request may take the value between the check and here.
        with transaction.atomic():
            return Identity.objects.create(customer=customer, kind=kind, value=normalised)
    except IntegrityError:
        raise ActionError(f"{normalised} already belongs to another customer", field) from None


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


# Merging ---------------------------------------------------------------------

MERGED = "customer.merged"
UNMERGED = "customer.unmerged"


@transaction.atomic
def merge(actor: User | None, source: Customer, into: Customer) -> Activity:
    """Move everything `source` holds onto `into`; `source` then points at `into`.

    Identities, conversations and notes move, and whatever other apps move on
    `customers_merged` (callbacks, appointments); nothing is deleted. The returned
    activity ("customer.merged", on `into`) lists exactly what moved, which is
    what `unmerge` puts back. `actor` None is the system (an import, a script).
    """
    if source.pk == into.pk:
        raise MergeError("a customer cannot be merged into itself", "into")
    locked = _lock(actor, source=source.pk, into=into.pk)
    source_row, target = locked["source"], locked["into"]
    if source_row.merged_into_id:
        raise MergeError(f"{source_row} was already merged into another customer", "source")
    if target.merged_into_id:
        raise MergeError(f"{target} was merged into another customer; merge into that", "into")

    identity_ids = _ids(Identity.objects.filter(customer=source_row))
    conversation_ids = _ids(Conversation.objects.filter(customer=source_row))
    note_ids = _ids(CustomerNote.objects.filter(customer=source_row))
    # The source's rows are locked with it: on PostgreSQL no new identity, conversation
    # or note can reference it until this commits, so these lists are everything.
    Identity.objects.filter(customer=source_row).update(customer=target)
    Conversation.objects.filter(customer=source_row).update(customer=target)
    CustomerNote.objects.filter(customer=source_row).update(customer=target)
    moved_elsewhere = {}
    for _receiver, moved in customers_merged.send(
        Customer, actor=actor, source=source_row, target=target
    ):
        moved_elsewhere.update(moved or {})

    name_before = target.name
    if not target.name and source_row.name:
        target.name = source_row.name
        target.save(update_fields=["name", "updated_at"])
    source_row.merged_into = target
    source_row.save(update_fields=["merged_into", "updated_at"])

    source.merged_into, into.name = target, target.name  # the caller's copies, kept true
    return record(
        actor,
        MERGED,
        target,
        source_id=source_row.pk,
        identity_ids=identity_ids,
        conversation_ids=conversation_ids,
        note_ids=note_ids,
        target_name_before=name_before,
        target_name_after=target.name,
        **moved_elsewhere,
    )


@transaction.atomic
def unmerge(actor: User | None, activity: Activity) -> Customer:
    """Undo a recorded merge; return the customer that was merged, standing alone again.

    Back go exactly the rows the merge moved that still exist and still belong
    to the target. Conversations that arrived on the target after the merge
    from one of the source's identities follow that identity back: they were
    started by the person the identity belongs to, and they only landed on the
    target because the identity had moved. Identities and notes added to the
    target after the merge stay: nothing says they were the source's.
    """
    if activity.verb != MERGED or activity.subject_type != Customer._meta.model_name:
        raise MergeError("that activity is not a merge of customers", "activity")
    data = activity.data
    locked = _lock(actor, source=data["source_id"], into=activity.subject_id, missing="activity")
    source, target = locked["source"], locked["into"]
    # Checked with both customers locked, so two concurrent unmerges of one merge
    # are serialised and the second sees the first's row.
    if (
        Activity.objects.filter(
            verb=UNMERGED, subject_type=activity.subject_type, subject_id=target.pk
        )
        .filter(data__merge_id=activity.pk)
        .exists()
    ):
        raise MergeError("that merge was already undone", "activity")
    if source.merged_into_id != target.pk:
        raise MergeError(f"{source} is no longer merged into {target}", "activity")
    if target.merged_into_id:
        raise MergeError(
            f"{target} was since merged into another customer; undo that merge first", "activity"
        )

    identity_ids = _ids(Identity.objects.filter(customer=target), among=data["identity_ids"])
    conversation_ids = _ids(
        Conversation.objects.filter(customer=target), among=data["conversation_ids"]
    )
    note_ids = _ids(CustomerNote.objects.filter(customer=target), among=data["note_ids"])
    # Conversations that arrived after the merge from the source's identities.
    moved = set(conversation_ids)
    followed = [pk for pk in _started_by(target, identity_ids) if pk not in moved]
    _move(Identity, identity_ids, target, source)
    _move(Conversation, conversation_ids + followed, target, source)
    _move(CustomerNote, note_ids, target, source)
    customers_unmerged.send(Customer, actor=actor, source=source, target=target, merged=data)

    # The merge's name goes only if nobody has renamed the customer since.
    name_restored = (
        target.name != data["target_name_before"] and target.name == data["target_name_after"]
    )
    if name_restored:
        target.name = data["target_name_before"]
        target.save(update_fields=["name", "updated_at"])
    source.merged_into = None
    source.save(update_fields=["merged_into", "updated_at"])

    record(
        actor,
        UNMERGED,
        target,
        merge_id=activity.pk,
        source_id=source.pk,
        identity_ids=identity_ids,
        conversation_ids=conversation_ids,
        followed_conversation_ids=followed,
        note_ids=note_ids,
        name_restored=name_restored,
    )
    return source


def _lock(actor, *, source: int, into: int, missing: str = "") -> dict[str, Customer]:
    """Both customers, locked in id order; refused unless the actor may see both."""
    rows = Customer.objects.select_for_update().filter(pk__in=[source, into]).order_by("pk")
    found = {customer.pk: customer for customer in rows}
    for field, pk in (("source", source), ("into", into)):
        if pk not in found:
            raise MergeError(f"customer #{pk} no longer exists", missing or field)
    if actor is not None:
        visible = set(
            Customer.objects.visible_to(actor)
            .filter(pk__in=[source, into])
            .values_list("pk", flat=True)
        )
        for field, pk in (("source", source), ("into", into)):
            if pk not in visible:
                raise MergeError("no such customer among those you serve", missing or field)
    return {"source": found[source], "into": found[into]}


def _ids(queryset, among: Iterable[int] | None = None) -> list[int]:
    if among is None:
        return list(queryset.order_by("pk").values_list("pk", flat=True))
    found = []
    for chunk in _chunks(among):
        found += queryset.filter(pk__in=chunk).values_list("pk", flat=True)
    return sorted(found)


def _started_by(customer: Customer, identity_ids: list[int]) -> list[int]:
    """The customer's conversations whose first message from the customer came from these."""
    if not identity_ids:
        return []
    first_from = (
        Message.objects.filter(conversation=OuterRef("pk"), direction=Direction.INBOUND)
        .order_by("created_at", "id")
        .values("identity_id")[:1]
    )
    started = (
        Conversation.objects.filter(customer=customer)
        .annotate(started_by=Subquery(first_from))
        .values_list("pk", "started_by")
    )
    ids = set(identity_ids)
    return sorted(pk for pk, identity in started if identity in ids)


def _move(model, ids: list[int], source: Customer, target: Customer) -> None:
    for chunk in _chunks(ids):
        model.objects.filter(pk__in=chunk, customer=source).update(customer=target)


def _chunks(ids: Iterable[int], size: int = 500) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
