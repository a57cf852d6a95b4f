"""State changes of customers. Every one is logged in the activity log."""

import re
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpline.core.activity import record
from helpline.core.chunks import ids_of, move_customer
from helpline.core.errors import ActionError
from helpline.core.events import EventName, publish
from helpline.core.models import Activity, Location, User
from helpline.customers.fields import InvalidValue, canonical
from helpline.customers.identities import InvalidIdentity, normalise
from helpline.customers.language import detect
from helpline.customers.models import (
    Company,
    Customer,
    CustomerNote,
    CustomField,
    CustomFieldKind,
    CustomValue,
    Identity,
    Language,
)
from helpline.customers.verbs import Verb


class MergeError(ActionError):
    """A merge or unmerge the domain refuses, naming the argument to blame."""


class IdentityTaken(ActionError):
    """An address or number that is another customer's already: `owner_id` says whose, for a
    caller that may show that customer (or offer a merge) to whoever asked."""

    def __init__(self, value: str, owner_id: int | None, field: str):
        super().__init__(f"{value} already belongs to another customer", field)
        self.value = value
        self.owner_id = owner_id


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
    language: str = "",
    at: datetime | None = None,
) -> Customer:
    """Create a customer with identities (kind, value); values must be new.

    A value that is not an address or number, or that is someone's already, is an
    ActionError naming its kind ("email", "phone") as the field. `at` is when the customer
    became known, for history recorded after the fact (an import, the demo).
    """
    if language and language not in Language.values:
        raise ActionError(f"no mail is written in {language!r}", "language")
    customer = Customer.objects.create(name=name, location=location, language=language)
    region = location.country if location else ""
    for kind, value in identities:
        _create_identity(customer, kind, value, region, field=kind)
    if at is not None:  # created_at and updated_at stamp now on insert
        Customer.objects.filter(pk=customer.pk).update(created_at=at, updated_at=at)
        customer.identities.update(created_at=at)
        customer.created_at = customer.updated_at = at
    record(actor, Verb.CREATED, customer, at=at, name=name)
    return customer


@transaction.atomic
def add_identity(actor: User | None, customer: Customer, kind: str, value: str) -> Identity:
    """A new address or number for the customer; an ActionError on "value" when refused."""
    region = customer.location.country if customer.location_id else ""
    identity = _create_identity(customer, kind, value, region, field="value")
    record(actor, Verb.IDENTITY_ADDED, customer, kind=kind, value=identity.value)
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
        raise IdentityTaken(normalised, owner, field)
    try:
        # A savepoint: another request may take the value between the check and here.
        with transaction.atomic():
            identity = Identity.of(customer, kind, normalised)
            identity.save()
            return identity
    except IntegrityError:
        owner = taken.values_list("customer", flat=True).first()
        raise IdentityTaken(normalised, owner, field) from None


@transaction.atomic
def remove_identity(actor: User | None, identity: Identity) -> None:
    """Take an address or number off its customer; never the last one.

    Its messages stay on the timeline (without the identity), and the next message from
    that address or number starts a customer of its own. An ActionError on "identity".
    """
    customer = Customer.objects.select_for_update().get(pk=identity.customer_id)
    if actor is not None and not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise ActionError("no such customer among those you serve", "identity")
    identities = list(Identity.objects.filter(customer=customer).values_list("pk", flat=True))
    if identity.pk not in identities:
        raise ActionError("that address or number is no longer this customer's", "identity")
    if len(identities) == 1:
        raise ActionError(
            f"{identity.value} is the customer's only address or number: add another first",
            "identity",
        )
    Identity.objects.filter(pk=identity.pk).delete()
    record(actor, Verb.IDENTITY_REMOVED, customer, kind=identity.kind, value=identity.value)


@transaction.atomic
def update_customer(actor: User | None, customer: Customer, **changes) -> Customer:
    """Change name, location, company (a Company or None) or language ("" for detected)."""
    allowed = {"name", "location", "company", "language"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    if changes.get("language") and changes["language"] not in Language.values:
        raise ActionError(f"no mail is written in {changes['language']!r}", "language")
    before = {field: str(getattr(customer, field)) for field in changes}
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.save(update_fields=[*changes, "updated_at"])
    record(actor, Verb.UPDATED, customer, before=before)
    return customer


def set_detected_language(customer: Customer, language: str) -> bool:
    """Keep the language read from the customer's messages, unless one is set meanwhile."""
    if language not in Language.values:
        return False
    with transaction.atomic():
        updated = Customer.objects.filter(pk=customer.pk, language="").update(language=language)
        if updated:
            customer.language = language
            record(None, Verb.LANGUAGE_DETECTED, customer, language=language)
    return bool(updated)


def mail_language(customer: Customer, sample: str = "") -> str:
    """The language to write to the customer in: theirs, else read from `sample` (their own
    words) and kept on the customer, else the site's."""
    if customer.language:
        return customer.language
    detected = detect(sample)
    if detected and set_detected_language(customer, detected):
        return detected
    customer.refresh_from_db(fields=["language"])
    return customer.language or settings.LANGUAGE_CODE


@transaction.atomic
def company_named(actor: User | None, name: str) -> Company:
    """The company of that name (any case), created when there is none."""
    name = " ".join(name.split())[:200]
    if not name:
        raise ActionError("a company needs a name", "company")
    found = Company.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():  # another request may create it between the look and here
            company = Company.objects.create(name=name)
    except IntegrityError:
        return Company.objects.get(name__iexact=name)
    record(actor, Verb.COMPANY_CREATED, company, name=name)
    return company


# Custom fields ---------------------------------------------------------------


@transaction.atomic
def set_custom_values(actor: User | None, customer: Customer, values: dict) -> dict[str, str]:
    """Set fields by key: a value as a form or JSON gives it, None or "" removes it.

    Returns the changed keys' stored values. An ActionError names the field's key when
    a key is unknown or a value is not of its kind; then nothing is changed.
    """
    fields = CustomField.objects.in_bulk(list(values), field_name="key")
    wanted = {}
    for key, raw in values.items():
        if key not in fields:
            raise ActionError(f"no custom field is called {key!r}", key)
        try:
            wanted[key] = canonical(fields[key], raw)
        except InvalidValue as exc:
            raise ActionError(str(exc), key) from None
    current = {
        value.field.key: value
        for value in CustomValue.objects.select_for_update()
        .filter(customer=customer, field__key__in=list(wanted))
        .select_related("field")
    }
    before, after = {}, {}
    for key, new in wanted.items():
        old = current[key].value if key in current else ""
        if old == new:
            continue
        before[key], after[key] = old, new
        if not new:
            current[key].delete()
        elif key in current:
            current[key].value = new
            current[key].save(update_fields=["value", "updated_at"])
        else:
            CustomValue.objects.create(customer=customer, field=fields[key], value=new)
    if after:
        Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
        record(actor, Verb.FIELDS_CHANGED, customer, before=before, after=after)
    return after


def _clean_definition(kind: str, label: str, choices: list[str]) -> tuple[str, list[str]]:
    label = " ".join(label.split())
    if not label:
        raise ActionError("a field needs a label", "label")
    options = list(dict.fromkeys(" ".join(c.split()) for c in choices if c.strip()))
    if kind == CustomFieldKind.CHOICE and not options:
        raise ActionError("a choice field needs at least one option", "choices")
    if kind != CustomFieldKind.CHOICE and options:
        raise ActionError("only a choice field has options", "choices")
    return label, options


@transaction.atomic
def define_field(
    actor: User | None, *, key: str, label: str, kind: str, choices: list[str] = ()
) -> CustomField:
    if kind not in CustomFieldKind.values:
        raise ActionError(f"not a kind of field: {kind!r}", "kind")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", key or ""):
        raise ActionError(
            "a key is lower-case letters, digits and _, starting with a letter", "key"
        )
    if CustomField.objects.filter(key=key).exists():
        raise ActionError(f"there is a field {key!r} already", "key")
    label, options = _clean_definition(kind, label, list(choices))
    position = CustomField.objects.count()
    field = CustomField.objects.create(
        key=key, label=label, kind=kind, choices=options, position=position
    )
    record(actor, Verb.FIELD_DEFINED, field, key=key, kind=kind, label=label, choices=options)
    return field


@transaction.atomic
def change_field(
    actor: User | None, field: CustomField, *, label: str, choices: list[str] = ()
) -> CustomField:
    """A new label, and for a choice field new options; a value no option names stays."""
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    label, options = _clean_definition(field.kind, label, list(choices))
    before = {"label": field.label, "choices": field.choices}
    field.label, field.choices = label, options
    field.save(update_fields=["label", "choices"])
    record(actor, Verb.FIELD_CHANGED, field, before=before, label=label, choices=options)
    return field


@transaction.atomic
def delete_field(actor: User | None, field: CustomField) -> None:
    values = CustomValue.objects.filter(field=field).count()
    record(actor, Verb.FIELD_DELETED, field, key=field.key, label=field.label, values=values)
    field.delete()


@transaction.atomic
def add_note(actor: User | None, customer: Customer, body: str) -> CustomerNote:
    note = CustomerNote.objects.create(customer=customer, author=actor, body=body)
    record(actor, Verb.NOTE_ADDED, customer, note_id=note.pk)
    return note


# Merging ---------------------------------------------------------------------

MERGED, UNMERGED = Verb.MERGED, Verb.UNMERGED


@transaction.atomic
def merge(actor: User | None, source: Customer, into: Customer) -> Activity:
    """Move everything `source` holds onto `into`; `source` then points at `into`.

    Identities and notes move, and whatever other apps move on the `customers.merged` event
    (conversations, callbacks, appointments); nothing is deleted. The returned
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

    identity_ids = ids_of(Identity.objects.filter(customer=source_row))
    note_ids = ids_of(CustomerNote.objects.filter(customer=source_row))
    # The source's rows are locked with it: on PostgreSQL no new identity, conversation
    # or note can reference it until this commits, so these lists are everything.
    Identity.objects.filter(customer=source_row).update(customer=target)
    CustomerNote.objects.filter(customer=source_row).update(customer=target)
    moved_elsewhere = {}
    results = publish(
        EventName.CUSTOMERS_MERGED,
        actor_id=getattr(actor, "pk", None),
        source_id=source_row.pk,
        target_id=target.pk,
    )
    for moved in results.values():
        moved_elsewhere.update(moved)

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
        note_ids=note_ids,
        target_name_before=name_before,
        target_name_after=target.name,
        **moved_elsewhere,
    )


@transaction.atomic
def unmerge(actor: User | None, activity: Activity) -> Customer:
    """Undo a recorded merge; return the customer that was merged, standing alone again.

    Back go exactly the rows the merge moved that still exist and still belong
    to the target; other apps put back theirs on the `customers.unmerged` event (the
    conversations app also those that came in since from the identities that go back).
    Identities and notes added to the target after the merge stay: nothing says they
    were the source's.
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

    identity_ids = ids_of(Identity.objects.filter(customer=target), among=data["identity_ids"])
    note_ids = ids_of(CustomerNote.objects.filter(customer=target), among=data["note_ids"])
    move_customer(Identity, identity_ids, target, source)
    move_customer(CustomerNote, note_ids, target, source)
    moved_back = {}
    results = publish(
        EventName.CUSTOMERS_UNMERGED,
        actor_id=getattr(actor, "pk", None),
        source_id=source.pk,
        target_id=target.pk,
        merged=data,
        identity_ids=identity_ids,
    )
    for moved in results.values():
        moved_back.update(moved)

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
        note_ids=note_ids,
        name_restored=name_restored,
        **moved_back,
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
