"""What parsing an email yields: plain data, no database."""

from dataclasses import dataclass, field
from datetime import datetime

THREAD_IDS_MAX = 50  # references used for threading: the root and the 49 nearest
IN_REPLY_TO_MAX = 10  # and In-Reply-To ids


@dataclass
class Address:
    name: str
    email: str  # lower-cased addr-spec; "" when the header held no usable address


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""  # without angle brackets
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class ParsedEmail:
    from_: Address | None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    subject: str = ""
    message_id: str = ""  # without angle brackets
    in_reply_to: list[str] = field(default_factory=list)  # without angle brackets
    references: list[str] = field(default_factory=list)  # oldest first, without angle brackets
    date: datetime | None = None
    text: str = ""  # the whole plain text (from text/plain, or derived from the HTML)
    html: str = ""  # sanitised with nh3; "" when the message had no HTML part
    new_text: str = ""  # text without quoted history and signature
    attachments: list[ParsedAttachment] = field(default_factory=list)
    kind: str = "normal"  # normal, auto_reply, bounce, bulk
    bounced_recipients: list[str] = field(default_factory=list)
    bounced_message_id: str = ""  # Message-ID of the original message a bounce reports on
    problems: list[str] = field(default_factory=list)

    def thread_ids(self) -> list[str]:
        """Message-IDs this message refers to, nearest first, at most THREAD_IDS_MAX + 1.

        The nearest ids (In-Reply-To, the end of References) and the thread's root
        (the first reference) are what threading needs; a hostile References header
        with 200,000 ids must not become 200,000 lookups.
        """
        refs = self.references
        if len(refs) > THREAD_IDS_MAX:
            refs = [refs[0], *refs[-(THREAD_IDS_MAX - 1) :]]
        ids = [*self.in_reply_to[:IN_REPLY_TO_MAX], *reversed(refs)]
        return list(dict.fromkeys(mid for mid in ids if mid))

    def as_json(self) -> dict:
        def addr(a: Address | None):
            return {"name": a.name, "email": a.email} if a else None

        return {
            "from": addr(self.from_),
            "to": [addr(a) for a in self.to],
            "cc": [addr(a) for a in self.cc],
            "reply_to": [addr(a) for a in self.reply_to],
            "subject": self.subject,
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": self.references,
            "date": self.date.isoformat() if self.date else None,
            "text": self.text,
            "new_text": self.new_text,
            "html": self.html,
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "content_id": a.content_id,
                    "inline": a.inline,
                }
                for a in self.attachments
            ],
            "kind": self.kind,
            "bounced_recipients": self.bounced_recipients,
            "bounced_message_id": self.bounced_message_id,
            "problems": self.problems,
        }


class UnparseableEmail(Exception):
    """The bytes are not an email we can store; the reason goes to quarantine."""
