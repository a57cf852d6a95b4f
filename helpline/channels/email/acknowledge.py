"""The automatic "we have your message" answer, sent only to people, in their language."""

import re
import textwrap
from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext

from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Channel, Message, MessageKind
from helpline.conversations.verbs import Verb
from helpline.core.models import Mailbox
from helpline.customers.actions import mail_language

ROBOT_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|notifications?)[@+\-.]", re.I
)

ACKNOWLEDGEMENT = "acknowledgement"
# Imported and old mail (a mailbox's history taken on its first IMAP poll) is
# not answered: its sender stopped waiting long ago.
RECENT = timedelta(days=1)


def text(first_name: str, token: str) -> str:
    """The acknowledgement in the active language."""
    greeting = (
        gettext("Hello %(name)s,") % {"name": first_name} if first_name else gettext("Hello,")
    )
    body = gettext(
        "Thank you for writing to us. We have received your message and will answer as "
        "soon as we can. Your reference is %(token)s; keep it in the subject if you write "
        "again about this."
    ) % {"token": token}
    return f"{greeting}\n\n{textwrap.fill(body, 72)}\n"


def should_acknowledge(message: Message) -> bool:
    conversation = message.conversation
    mailbox = conversation.mailbox
    if message.channel != Channel.EMAIL or message.kind != MessageKind.NORMAL:
        return False
    if mailbox is None or not mailbox.send_acknowledgement or message.identity is None:
        return False
    if message.meta.get("source") == "import" or message.created_at < timezone.now() - RECENT:
        return False
    sender = message.identity.value
    # Never start a mail loop with a robot or with ourselves.
    is_robot = ROBOT_SENDER.match(sender) is not None
    return not is_robot and not Mailbox.objects.filter(address__iexact=sender).exists()


def acknowledge(message_id: int) -> Message | None:
    """Confirm receipt of the message that opened a conversation, once."""
    message = Message.objects.select_related(
        "conversation__mailbox", "conversation__customer", "identity"
    ).get(pk=message_id)
    if not should_acknowledge(message):
        return None
    conversation = message.conversation
    if conversation.messages.filter(meta__automatic=ACKNOWLEDGEMENT).exists():
        return None  # delivered before: the bus delivers at least once
    customer = conversation.customer
    # Their own language when known, else the one of the message that opened the conversation.
    with translation.override(mail_language(customer, message.text)):
        acknowledgement = text(customer.first_name, conversation.token)
    return conversation_actions.send_automatic_reply(
        conversation,
        acknowledgement,
        message.identity.value,
        verb=Verb.ACKNOWLEDGED,
        meta={"automatic": ACKNOWLEDGEMENT},
    )
