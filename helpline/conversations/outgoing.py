"""What an agent's outgoing mail and notes may carry: addresses, files and signatures.

The actions judge with these, so that the desk, the API and any later entry point refuse the
same things in the same words, each naming the field to blame.
"""

import mimetypes
import re
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from helpline.conversations.receive import IncomingAttachment
from helpline.core.addresses import CONTROL, InvalidAddress, one_address
from helpline.core.errors import ActionError
from helpline.core.models import Mailbox, User

# What mail servers (Gmail's, Exchange's) refuse outright, so a mail carrying one would bounce;
# a note keeps the same rule, since a note's file is often forwarded later.
# fmt: off
BLOCKED_EXTENSIONS = frozenset({
    ".ade", ".adp", ".apk", ".appx", ".bat", ".cab", ".chm", ".cmd", ".com", ".cpl", ".dll",
    ".dmg", ".exe", ".hta", ".ins", ".isp", ".iso", ".jar", ".js", ".jse", ".lib", ".lnk",
    ".mde", ".msc", ".msi", ".msix", ".msp", ".mst", ".nsh", ".pif", ".ps1", ".scr", ".sct",
    ".shb", ".sys", ".vb", ".vbe", ".vbs", ".vxd", ".wsc", ".wsf", ".wsh",
})
# fmt: on
MAX_RECIPIENTS = 50
SIGNATURE_SEPARATOR = "\n\n-- \n"  # RFC 3676: mail clients recognise what follows as a signature


def mail_address(value: str, field: str) -> str:
    """One plain address (name@domain), or a refusal naming `field`."""
    try:
        return one_address(value)
    except InvalidAddress as exc:
        raise ActionError(str(exc), field) from None


def mail_addresses(values: Iterable[str], field: str) -> list[str]:
    """Each of `values` as one address, without repeats; empty ones are skipped."""
    addresses: list[str] = []
    for value in values:
        if value.strip():
            address = mail_address(value, field)
            if address.lower() not in {a.lower() for a in addresses}:
                addresses.append(address)
    if len(addresses) > MAX_RECIPIENTS:
        raise ActionError(f"At most {MAX_RECIPIENTS} addresses.", field)
    return addresses


def split_addresses(text: str) -> list[str]:
    """A typed list of addresses, separated by commas, semicolons or spaces."""
    return [part for part in re.split(r"[,;\s]+", text) if part]


def attachment_limit(mailbox: Mailbox | None) -> int:
    """The largest total size of the files on one message: the mailbox's, or the desk's."""
    if mailbox is not None:
        return mailbox.attachment_limit_bytes
    return settings.HELPLINE_MAX_ATTACHMENT_BYTES


def checked_files(
    files: Sequence[IncomingAttachment], limit: int, field: str = "files"
) -> list[IncomingAttachment]:
    """The files an agent attaches, once each is allowed and all of them fit in `limit`.

    The content type is read from the file name, not taken from the browser, which says
    whatever the agent's machine believes; the download view serves them safely anyway.
    """
    checked = []
    for file in files:
        name = CONTROL.sub("", file.filename).strip().rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        if not name:
            raise ActionError("A file without a name cannot be attached.", field)
        extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension in BLOCKED_EXTENSIONS:
            raise ActionError(
                f"{name}: programs ({extension} files) cannot be attached; mail servers refuse "
                "them. Put it in a .zip file or share a link.",
                field,
            )
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        checked.append(IncomingAttachment(name[:255], content_type, file.content))
    total = sum(len(file.content) for file in checked)
    if total > limit:
        raise ActionError(
            f"The files come to {filesizeformat(total)}; at most {filesizeformat(limit)} "
            "can be attached to one message.",
            field,
        )
    return checked


def signatures(agent: User | None, mailbox: Mailbox | None) -> list[str]:
    """The agent's signature, then the mailbox's, those that are set."""
    found = [getattr(agent, "signature", ""), mailbox.signature if mailbox else ""]
    return [text.strip() for text in found if text and text.strip()]


def signed(text: str, agent: User | None, mailbox: Mailbox | None) -> str:
    """`text` with the signatures below it, as the customer receives it."""
    added = signatures(agent, mailbox)
    if not added:
        return text
    return text.rstrip() + SIGNATURE_SEPARATOR + "\n\n".join(added)
