"""The survey mail: the question and its scale as buttons, one signed link per score, and an
unsubscribe link with RFC 8058 one-click headers.

It is an outbound email Message on the conversation (on the timeline), queued in the email
outbox in the caller's transaction, like every other mail to a customer.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Direction, Message, MessageKind
from helpline.customers.actions import mail_language
from helpline.feedback import tokens
from helpline.feedback.models import ENDS, QUESTIONS, Kind, Survey, scale


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def answer_url(survey: Survey, score: int | None = None) -> str:
    token = tokens.answer_token(survey.pk, score)
    return site_url(reverse("survey:answer", args=[survey.pk, token]))


def unsubscribe_url(survey: Survey) -> str:
    token = tokens.opt_out_token(survey.customer_id or 0, survey.pk)
    return site_url(reverse("survey:unsubscribe", args=[token]))


def language_of(survey: Survey) -> str:
    if survey.language:
        return survey.language
    sample = ""
    if survey.conversation_id:
        sample = (
            Message.objects.filter(
                conversation_id=survey.conversation_id,
                direction=Direction.INBOUND,
                author__isnull=True,
            )
            .exclude(text="")
            .order_by("-created_at", "-id")
            .values_list("text", flat=True)
            .first()
            or ""
        )
    assert survey.customer is not None
    return mail_language(survey.customer, sample)


def send_survey(survey: Survey, *, reminder: bool) -> Message | None:
    """Queue the survey mail (or its reminder); call inside the sending transaction."""
    conversation = survey.conversation
    if conversation is None or not survey.recipient:
        return None
    language = language_of(survey)
    if survey.language != language:
        survey.language = language
        Survey.objects.filter(pk=survey.pk).update(language=language)
    unsubscribe = unsubscribe_url(survey)
    with translation.override(language):
        kind = Kind(survey.kind)
        low, high = ENDS[kind]
        context = {
            "survey": survey,
            "question": str(QUESTIONS[kind]),
            "low": str(low),
            "high": str(high),
            "scores": [(score, answer_url(survey, score)) for score in scale(survey.kind)],
            "unsubscribe": unsubscribe,
            "name": survey.customer.first_name if survey.customer else "",
            "reminder": reminder,
            "language": language,
        }
        text = render_to_string("feedback/mail.txt", context)
        html = render_to_string("feedback/mail.html", context)
        subject = gettext("Reminder: how did we do?") if reminder else gettext("How did we do?")
    mailbox = conversation.mailbox or conversation_actions.reply_mailboxes(conversation).first()
    return conversation_actions.send_mail(
        None,
        conversation,
        text,
        survey.recipient,
        meta={
            "automatic": "survey_reminder" if reminder else "survey",
            "survey_id": survey.pk,
            "language": language,
        },
        kind=MessageKind.AUTO_REPLY,
        subject=f"{subject} {conversation.token}",
        mailbox=mailbox,
        headers={
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        html=html,
    )
