"""A customer's data on request: everything about them as one ZIP, and erasure that keeps
the statistics. Admins only; both are logged in the activity log on the customer.

The customers app sits below the apps that hold most of a customer's data (conversations,
callbacks, surveys…) and may not import them, so both go through what those apps give it:

* **export**: each app registers a *contributor* (`contribute(section, collect)`, in its
  `ready()`), called with the customer's ids; it returns the section's JSON and the files
  that go beside it (an attachment, a raw mail), which the JSON names by their `path` in the
  ZIP. The JSON is `customer.json`.
* **erasure**: the `customer.erased` event, in the transaction. Each app empties its own
  rows' personal fields (text, subjects, addresses, numbers, notes, comments, raw mail) and
  keeps every row, count, time, channel, location and score, so reports still add up.

A customer merged into another is the same person: both act on the survivor and on every
customer merged into it.
"""

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.events import EventName, publish
from helpline.core.models import Activity, User
from helpline.core.redact import personal_strings, redact_activity, redact_deliveries
from helpline.customers.models import Customer, CustomerNote, CustomValue, Identity
from helpline.customers.verbs import Verb

FORMAT = "helpline-customer-export/1"
DOCUMENT = "customer.json"


class PrivacyError(ActionError):
    """An export or erasure the domain refuses, naming the field to blame."""


class NotAllowed(PermissionError):
    """Only an admin exports or erases a customer."""


@dataclass(frozen=True)
class ExportFile:
    """A file beside the JSON: `path` in the ZIP, and how to read its bytes."""

    path: str
    open: Callable[[], IO[bytes]]


@dataclass
class Contribution:
    data: object
    files: list[ExportFile] = field(default_factory=list)


Collect = Callable[[list[int]], Contribution]
_contributors: dict[str, Collect] = {}


def contribute(section: str, collect: Collect) -> None:
    """Add `section` to every export: `collect(customer_ids)` gives its JSON and files.
    Registering a section again replaces it, so `ready()` may run twice."""
    _contributors[section] = collect


def sections() -> list[str]:
    return ["customer", *sorted(_contributors)]


def customer_ids(customer: Customer) -> list[int]:
    """The customer and every customer merged into it, at any depth."""
    ids, frontier = [customer.pk], [customer.pk]
    while frontier:
        frontier = list(
            Customer.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def _admit(actor: User | None, customer: Customer) -> None:
    if actor is not None and not actor.sees_everything:
        raise NotAllowed("Only an admin exports or erases a customer's data.")
    if customer.merged_into_id:
        raise PrivacyError(
            f"{customer} was merged into customer #{customer.merged_into_id}; act on that one",
            "customer",
        )


def is_erased(customer: Customer) -> bool:
    return Activity.objects.filter(
        verb=Verb.ERASED, subject_type=Customer._meta.model_name, subject_id=customer.pk
    ).exists()


# Export --------------------------------------------------------------------------------


def export_to_temporary_file(actor: User | None, customer: Customer) -> IO[bytes]:
    """`export_customer` into a temporary file, read from its start; closed if it fails
    (the caller hands it to a response, which closes it once sent)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- the caller's response closes it
    try:
        export_customer(actor, customer, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def export_customer(actor: User | None, customer: Customer, out: IO[bytes]) -> Activity:
    """Write everything about the customer into `out` as a ZIP; the logged activity.

    Read in one transaction, so that the JSON and the files are of one moment (PostgreSQL
    keeps one snapshot per statement; the rows read are those committed by then)."""
    _admit(actor, customer)
    with transaction.atomic():
        ids = customer_ids(customer)
        document: dict = {
            "format": FORMAT,
            "exported_at": timezone.now(),
            "exported_by": actor.get_username() if actor else "system",
            "customer": _own_section(customer, ids),
        }
        files: list[ExportFile] = []
        for section in sorted(_contributors):
            contribution = _contributors[section](ids)
            document[section] = contribution.data
            files += contribution.files
        written = _write_zip(out, document, files)
        counts = {name: len(value) for name, value in document.items() if isinstance(value, list)}
        return record(
            actor, Verb.EXPORTED, customer, sections=counts, files=len(files), bytes=written
        )


def _write_zip(out: IO[bytes], document: dict, files: list[ExportFile]) -> int:
    written = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        text = json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        archive.writestr(DOCUMENT, text)
        seen = set()
        for item in files:
            if item.path in seen:
                continue
            seen.add(item.path)
            with item.open() as source, archive.open(item.path, "w") as target:
                shutil.copyfileobj(source, target)
            written += archive.getinfo(item.path).file_size
    return written


def _own_section(customer: Customer, ids: list[int]) -> dict:
    merged = Customer.objects.filter(pk__in=ids).exclude(pk=customer.pk).order_by("pk")
    return {
        **_customer_row(customer),
        "merged_customers": [_customer_row(other) for other in merged],
        "identities": list(
            Identity.objects.filter(customer_id__in=ids)
            .order_by("pk")
            .values("id", "customer_id", "kind", "value", "created_at")
        ),
        "notes": [
            {
                "id": note.pk,
                "body": note.body,
                "author": note.author.get_username() if note.author else None,
                "created_at": note.created_at,
            }
            for note in CustomerNote.objects.filter(customer_id__in=ids)
            .select_related("author")
            .order_by("created_at", "pk")
        ],
        "custom_fields": {
            value.field.key: value.value
            for value in CustomValue.objects.filter(customer_id__in=ids).select_related("field")
        },
        "history": history_of(Customer, ids),
    }


def _customer_row(customer: Customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.name,
        "company": customer.company.name if customer.company_id else None,
        "language": customer.language,
        "location": customer.location.name if customer.location_id else None,
        "merged_into_id": customer.merged_into_id,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


def history_of(model: type[Model], ids: list[int]) -> list[dict]:
    """The activity log about these subjects (for contributors too), oldest first: who did
    what, when, as export JSON."""
    subject_type = model._meta.model_name
    rows = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows += [
            {
                "subject": f"{row.subject_type}#{row.subject_id}",
                "verb": row.verb,
                "actor": row.actor.get_username() if row.actor else None,
                "at": row.created_at,
                "data": row.data,
            }
            for row in Activity.objects.filter(subject_type=subject_type, subject_id__in=chunk)
            .select_related("actor")
            .order_by("created_at", "pk")
        ]
    return rows


# Erasure -------------------------------------------------------------------------------


def erased_name(customer: Customer) -> str:
    return f"Erased customer #{customer.pk}"


def confirmation_for(customer: Customer) -> str:
    """What the person erasing must type: the customer's name as the desk shows it."""
    return str(customer)


@transaction.atomic
def erase_customer(actor: User | None, customer: Customer, confirm: str) -> Activity:
    """Make the customer anonymous and keep the statistics; the logged activity.

    `confirm` must be the customer's name as shown (`confirmation_for`), so that nobody
    erases the wrong person by a slip. The customer and those merged into it lose their
    name, company, identities, notes and custom values; every app empties its own personal
    fields on `customer.erased`. Rows, counts, times, channels, locations, SLA figures and
    survey scores stay. It cannot be undone.
    """
    _admit(actor, customer)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if (confirm or "").strip().casefold() != confirmation_for(customer).strip().casefold():
        raise PrivacyError(
            f"type the customer's name, {confirmation_for(customer)}, to confirm", "confirm"
        )
    if is_erased(customer):
        raise PrivacyError("this customer's data was erased already", "confirm")
    ids = customer_ids(customer)
    customers = list(Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    values = [c.name for c in customers]
    values += Identity.objects.filter(customer_id__in=ids).values_list("value", flat=True)
    values += CustomValue.objects.filter(customer_id__in=ids).values_list("value", flat=True)
    personal = personal_strings(values)

    results = publish(
        EventName.CUSTOMER_ERASED,
        actor_id=getattr(actor, "pk", None),
        customer_ids=ids,
        personal=personal,
    )
    erased: dict = {}
    for changed in results.values():
        erased.update(changed)

    identities = Identity.objects.filter(customer_id__in=ids).delete()[0]
    notes = CustomerNote.objects.filter(customer_id__in=ids).delete()[0]
    fields = CustomValue.objects.filter(customer_id__in=ids).delete()[0]
    for row in customers:
        row.name, row.company = erased_name(row), None
    Customer.objects.bulk_update(customers, ["name", "company"])
    now = timezone.now()
    Customer.objects.filter(pk__in=ids).update(updated_at=now)
    redacted = redact_activity(Customer, ids, personal)
    redacted += redact_deliveries("customer_id", ids, personal)
    erased.update(customers=len(ids), identities=identities, notes=notes, custom_values=fields)
    customer.refresh_from_db()
    return record(actor, Verb.ERASED, customer, customer_ids=ids, erased=erased, logs=redacted)
