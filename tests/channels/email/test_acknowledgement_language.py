"""The acknowledgement reaches the customer in their language: the one set on them, else
the one their message is written in (and then kept on them), else English."""

import email
from email import policy
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from helpline.channels.email.ingest import ingest
from helpline.channels.email.models import OutboundEmail
from helpline.channels.email.tasks import send_outbound
from helpline.core.events import deliver_due
from helpline.core.models import Activity
from helpline.customers import actions as customer_actions
from helpline.customers.language import detect
from helpline.customers.models import Customer
from helpline.customers.verbs import Verb
from tests.conftest import raw_mail

pytestmark = pytest.mark.django_db

GERMAN = (
    "Guten Tag, meine Waschmaschine ist seit gestern kaputt und verliert Wasser. "
    "Können Sie mir bitte helfen?"
)


def acknowledgement_received(smtp_server, raw: bytes, django_capture_on_commit_callbacks):
    """Ingest the mail, run the worker's part, send the outbox row to the real SMTP server."""
    with django_capture_on_commit_callbacks(execute=True):
        ingest(raw, source="pipe")
    deliver_due()
    outbound = OutboundEmail.objects.get()
    assert send_outbound(outbound.pk) == "sent"
    envelope = smtp_server.wait_for(1)[0]
    return email.message_from_bytes(envelope.original_content, policy=policy.default)


def test_a_german_mail_is_acknowledged_in_german(
    mailbox, smtp_server, django_capture_on_commit_callbacks
):
    raw = raw_mail(sender="Jonas Weber <jonas@example.de>", subject="Waschmaschine", body=GERMAN)

    mail = acknowledgement_received(smtp_server, raw, django_capture_on_commit_callbacks)

    text = mail.get_body(("plain",)).get_content()
    assert text.splitlines()[0] == "Hallo Jonas,"
    assert "Vielen Dank für Ihre Nachricht" in text
    assert "Thank you" not in text
    customer = Customer.objects.get()
    assert customer.language == "de"  # kept for the mails to come
    assert Activity.objects.filter(verb=Verb.LANGUAGE_DETECTED, subject_id=customer.pk).exists()


def test_the_language_set_on_the_customer_wins_over_the_message(
    mailbox, smtp_server, django_capture_on_commit_callbacks
):
    customer = customer_actions.create_customer(
        None, name="Lucía Gómez", identities=[("email", "lucia@example.es")], language="es"
    )

    raw = raw_mail(sender="lucia@example.es", body="Hello, my kettle stopped working yesterday.")
    mail = acknowledgement_received(smtp_server, raw, django_capture_on_commit_callbacks)

    text = mail.get_body(("plain",)).get_content()
    assert text.splitlines()[0] == "Hola, Lucía:"
    assert "Gracias por escribirnos" in text
    customer.refresh_from_db()
    assert customer.language == "es"


def test_a_message_too_short_to_tell_is_answered_in_english(
    mailbox, smtp_server, django_capture_on_commit_callbacks
):
    raw = raw_mail(sender="kim@example.com", body="Danke!")

    mail = acknowledgement_received(smtp_server, raw, django_capture_on_commit_callbacks)

    assert "Thank you for writing to us." in mail.get_body(("plain",)).get_content()
    assert Customer.objects.get().language == ""  # nothing guessed, nothing kept


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (GERMAN, "de"),
        ("Hola, mi lavadora no funciona desde ayer. ¿Pueden ayudarme?", "es"),
        ("Bonjour, ma cafetière ne marche plus depuis hier. Pouvez-vous m'aider ?", "fr"),
        ("Hello, my kettle stopped working yesterday. Can you help me?", "en"),
        ("ok", ""),
        ("+44 20 7946 4471 12345 67890", ""),
    ],
)
def test_the_detector_names_a_language_only_when_sure(text, language):
    assert detect(text) == language


# The catalogues ------------------------------------------------------------------

LOCALE = Path(settings.LOCALE_PATHS[0])


def po_entries(path: Path) -> list[tuple[str, str, str, str, str]]:
    """(context, msgid, msgstr, msgid_plural, msgstr[1]) of every entry of a .po file but its
    header; the last two are empty for an entry without plural forms."""
    entries, entry, current = [], None, None
    for line in path.read_text().splitlines():
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and (entry is None or entry["msgstr"] is not None):
            entry = {"msgctxt": "", "msgid": "", "msgstr": None}
            entries.append(entry)
        if keyword == "msgstr[0]":
            keyword = "msgstr"
        elif keyword.startswith("msgstr["):  # the last form is "many" (Spanish has three)
            keyword = "msgstr_plural"
            entry[keyword] = ""
        if keyword in ("msgctxt", "msgid", "msgstr", "msgid_plural", "msgstr_plural"):
            current, line = keyword, rest
            entry[current] = entry.get(current) or ""
        if current and line.startswith('"'):
            entry[current] += _unquote(line)
        elif not line.strip():
            current = None
    return [
        (
            e["msgctxt"],
            e["msgid"],
            e["msgstr"] or "",
            e.get("msgid_plural", ""),
            e.get("msgstr_plural", ""),
        )
        for e in entries
        if e["msgid"]
    ]


def _unquote(line: str) -> str:
    return line[1:-1].replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


@pytest.mark.parametrize("language", ["de", "es", "fr"])
def test_every_message_is_translated_and_compiled(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert (po.parent / "django.mo").exists()
    entries = po_entries(po)
    assert len(entries) >= 20
    with translation.override(language):
        for context, msgid, msgstr, plural, msgstr_plural in entries:
            assert msgstr, f"{language}: {msgid!r} is not translated"
            if plural:  # one and many
                assert msgstr_plural, f"{language}: {plural!r} is not translated"
                found = translation.ngettext(msgid, plural, 1)
                assert translation.ngettext(msgid, plural, 5) == msgstr_plural, plural
            else:
                found = (
                    translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                )
            assert found == msgstr, f"{language}: the .mo is older than the .po for {msgid!r}"
