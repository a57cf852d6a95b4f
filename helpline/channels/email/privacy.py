"""The email channel's part of a customer's data request (helpline.customers.privacy): the
raw mails they sent, as .eml files in the export; on erasure those raw mails are deleted
(they hold the address, the name and the text) and the outbox keeps no address, subject or
threading header of mail to them."""

import io

from helpline.channels.email.models import OutboundEmail, RawEmail, RawStatus
from helpline.conversations.models import Message
from helpline.core.chunks import chunked, ids_of
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.core.redact import ERASED
from helpline.customers.models import Identity, IdentityKind
from helpline.customers.privacy import Contribution, ExportFile, contribute

SCAN_CHUNK = 200  # raw mails read at a time when looking for an address in unfiled ones


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, erase, phase=Phase.IN_TRANSACTION)
    contribute("raw_emails", export)


def _messages(customer_ids: list[int]):
    return Message.objects.filter(conversation__customer_id__in=customer_ids)


def _raw_of(customer_ids: list[int]) -> list[int]:
    """Raw mails stored on the customer's messages, and those never filed (quarantined or
    not yet processed) that carry one of the customer's addresses."""
    filed = ids_of(RawEmail.objects.filter(message__in=_messages(customer_ids)))
    addresses = [value.lower().encode() for value in _addresses(customer_ids)]
    unfiled = []
    if addresses:
        rows = RawEmail.objects.filter(message__isnull=True).exclude(status=RawStatus.STORED)
        for chunk in chunked(ids_of(rows), SCAN_CHUNK):
            for pk, data in RawEmail.objects.filter(pk__in=chunk).values_list("pk", "data"):
                lowered = bytes(data).lower()
                if any(address in lowered for address in addresses):
                    unfiled.append(pk)
    return sorted(set(filed) | set(unfiled))


def _addresses(customer_ids: list[int]) -> list[str]:
    return list(
        Identity.objects.filter(customer_id__in=customer_ids, kind=IdentityKind.EMAIL).values_list(
            "value", flat=True
        )
    )


def raw_path(raw: RawEmail) -> str:
    return f"raw_emails/{raw.pk}.eml"


def export(customer_ids: list[int]) -> Contribution:
    data, files = [], []
    for chunk in chunked(_raw_of(customer_ids)):
        for raw in RawEmail.objects.filter(pk__in=chunk).defer("data").order_by("pk"):
            path = raw_path(raw)
            data.append(
                {
                    "id": raw.pk,
                    "message_id": raw.message_id,
                    "status": raw.status,
                    "source": raw.source,
                    "size": raw.size,
                    "received_at": raw.received_at,
                    "path": path,
                }
            )
            files.append(ExportFile(path, _opener(raw.pk)))
    return Contribution(data, files)


def _opener(pk: int):
    def open_raw():
        data = RawEmail.objects.values_list("data", flat=True).get(pk=pk)
        return io.BytesIO(bytes(data))

    return open_raw


def erase(event: Event) -> dict:
    customer_ids = event["customer_ids"]
    raw = 0
    for chunk in chunked(_raw_of(customer_ids)):
        raw += RawEmail.objects.filter(pk__in=chunk).delete()[0]
    outbound = OutboundEmail.objects.filter(message__in=_messages(customer_ids)).update(
        to=[],
        cc=[],
        bcc=[],
        subject=ERASED,
        in_reply_to="",
        references="",
        extra_headers={},
        last_error="",
    )
    return {"raw_emails": raw, "outbound_emails": outbound}
