"""Every state change of surveys: policies, scheduling, sending, answers, opt-outs and the
agents' predictions. Views, the API, handlers and tasks call these.

A survey follows a solved conversation after the policy's delay in business time; the beat
task `send_due_surveys` sends what is due. At scheduling and again at sending, `why_not`
keeps out whom we never survey. An unanswered survey is withdrawn when its conversation
reopens.
"""

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from helpline.conversations.models import Conversation, Direction, MessageKind, Status
from helpline.core.activity import record
from helpline.core.errors import ActionError, refuse_unknown
from helpline.core.events import EventName, publish
from helpline.core.models import Location, Mailbox, User
from helpline.core.values import optional_choice, required_text, rows_by_id
from helpline.customers.models import Customer, IdentityKind, Language
from helpline.feedback.models import (
    Answer,
    Kind,
    OpenRecoveryCase,
    OptOut,
    Prediction,
    Purpose,
    Survey,
    SurveyPolicy,
    SurveyStatus,
    scale,
)
from helpline.feedback.verbs import Verb
from helpline.hours.calendar import calendar_for

log = logging.getLogger(__name__)

# A conversation closed with one of these tags is not surveyed (the desk has no spam or
# duplicate status: agents tag them).
NEVER_SURVEY_TAGS = ("spam", "duplicate")
# How often one customer may be asked when no policy says (a survey sent by hand).
DEFAULT_EVERY_DAYS = 14
# Statuses that leave a conversation solved for the survey's purpose.
DONE_STATUSES = (Status.SOLVED, Status.CLOSED)


# Policies --------------------------------------------------------------------------------

FIELDS = (
    "name",
    "position",
    "active",
    "location",
    "channel",
    "mailbox",
    "kind",
    "delay_minutes",
    "every_days",
    "reminder_after_days",
    "language",
)


def may_manage_policies(user: User | None) -> bool:
    return user is None or user.sees_everything


def _require_admin(actor: User | None) -> None:
    if not may_manage_policies(actor):
        raise PermissionError("only an admin changes survey policies")


def clean(values: dict) -> dict:
    """Checked policy values; an ActionError names the field to blame."""
    from helpline.conversations.models import Channel

    refuse_unknown(values, FIELDS)
    cleaned = dict(values)
    required_text(cleaned, "name", "a policy needs a name")
    if "kind" in cleaned and not cleaned["kind"]:
        raise ActionError("choose csat, nps or ces", "kind")
    for name, choices in (
        ("channel", Channel.values),
        ("language", Language.values),
        ("kind", Kind.values),
    ):
        optional_choice(cleaned, name, choices)
    for name, low, high in (
        ("position", 0, 1_000_000),
        ("delay_minutes", 0, 366 * 24 * 60),
        ("every_days", 0, 3660),
    ):
        if name in cleaned:
            value = cleaned[name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ActionError(f"a whole number from {low} to {high}", name)
    if cleaned.get("reminder_after_days") is not None:
        value = cleaned["reminder_after_days"]
        if not isinstance(value, int) or not 1 <= value <= 60:
            raise ActionError("from 1 to 60 days, or empty for no reminder", "reminder_after_days")
    rows_by_id(cleaned, {"location": Location, "mailbox": Mailbox})
    return cleaned


def policy_values(policy: SurveyPolicy) -> dict:
    """The policy as the fields an action takes (ids for rows): logged, and a form's initial."""
    return {
        name: getattr(policy, f"{name}_id" if name in ("location", "mailbox") else name)
        for name in FIELDS
    }


@transaction.atomic
def create_policy(actor: User | None, **values) -> SurveyPolicy:
    _require_admin(actor)
    values = clean(values)
    if not values.get("name"):
        raise ActionError("a policy needs a name", "name")
    policy = SurveyPolicy.objects.create(**values)
    record(actor, Verb.POLICY_CREATED, policy, **policy_values(policy))
    return policy


@transaction.atomic
def update_policy(actor: User | None, policy: SurveyPolicy, **changes) -> SurveyPolicy:
    _require_admin(actor)
    changes = clean(changes)
    before = policy_values(policy)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.save()
    record(actor, Verb.POLICY_UPDATED, policy, before=before, after=policy_values(policy))
    return policy


@transaction.atomic
def delete_policy(actor: User | None, policy: SurveyPolicy) -> None:
    _require_admin(actor)
    record(actor, Verb.POLICY_DELETED, policy, **policy_values(policy))
    policy.delete()


def policy_for(conversation: Conversation) -> SurveyPolicy | None:
    for policy in SurveyPolicy.objects.filter(active=True):
        if policy.matches(conversation):
            return policy
    return None


# Whom we never survey --------------------------------------------------------------------


def recipient_of(customer: Customer) -> str:
    return customer.primary_email()


def why_not(
    customer: Customer | None,
    conversation: Conversation | None,
    purpose: str,
    *,
    every_days: int = 0,
    now: datetime | None = None,
    exclude: int | None = None,
) -> str:
    """Why this customer must not get this survey now; "" when they may."""
    if customer is None:
        return "no customer"
    if customer.merged_into_id:
        return "the customer was merged into another"
    if OptOut.objects.filter(customer=customer).exists():
        return "the customer opted out of surveys"
    if purpose == Purpose.CONTACT and OpenRecoveryCase.objects.filter(customer=customer).exists():
        return "the customer has an open recovery case"
    address = recipient_of(customer)
    if not address:
        return "the customer has no email address"
    if Mailbox.objects.filter(address__iexact=address).exists():
        return "the address is one of our own mailboxes"
    if conversation is not None:
        if conversation.tags.filter(name__in=NEVER_SURVEY_TAGS).exists():
            return "the conversation was closed as spam or duplicate"
        inbound = conversation.messages.filter(direction=Direction.INBOUND)
        if inbound.exists() and not inbound.filter(kind=MessageKind.NORMAL).exists():
            return "only robots wrote (auto-replies, bounces, bulk mail)"
        if (
            purpose == Purpose.CONTACT
            and Survey.objects.filter(cause=f"chat:{conversation.pk}").exists()
        ):
            return "the customer was asked in the chat"
    if purpose == Purpose.CONTACT and every_days:
        since = (now or timezone.now()) - timedelta(days=every_days)
        recent = Survey.objects.filter(customer=customer, purpose=Purpose.CONTACT).filter(
            Q(status=SurveyStatus.SCHEDULED)
            | Q(status__in=(SurveyStatus.SENT, SurveyStatus.ANSWERED), sent_at__gte=since)
        )
        if exclude is not None:
            recent = recent.exclude(pk=exclude)
        if recent.exists():
            return f"the customer was asked within {every_days} days"
    return ""


# Scheduling ------------------------------------------------------------------------------


@transaction.atomic
def schedule_after_solve(conversation_id: int, now: datetime | None = None) -> Survey | None:
    """The survey of a solved conversation, scheduled after its policy's delay; a survey row
    "not sent" with the reason when the customer is not to be asked. Idempotent: one per
    solve (its cause is the conversation and the moment it was solved)."""
    now = now or timezone.now()
    conversation = (
        Conversation.objects.select_related("customer", "location")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None or conversation.status not in DONE_STATUSES:
        return None  # reopened in the meantime: not surveyed
    solved_at = conversation.solved_at or now
    cause = f"solved:{conversation.pk}:{solved_at.isoformat()}"
    found = Survey.objects.filter(cause=cause).first()
    if found is not None:
        return found
    policy = policy_for(conversation)
    if policy is None:
        return None
    customer = conversation.customer
    reason = why_not(customer, conversation, Purpose.CONTACT, every_days=policy.every_days, now=now)
    due = calendar_for(conversation.location).add(
        solved_at, timedelta(minutes=policy.delay_minutes)
    )
    survey = _create(
        cause,
        kind=policy.kind,
        purpose=Purpose.CONTACT,
        policy=policy,
        customer=customer,
        conversation=conversation,
        location=conversation.location,
        language=policy.language,
        due_at=due,
        status=SurveyStatus.SKIPPED if reason else SurveyStatus.SCHEDULED,
        not_sent_because=reason,
    )
    if survey is not None:
        record(
            None,
            Verb.SURVEY_SKIPPED if reason else Verb.SURVEY_SCHEDULED,
            survey,
            conversation_id=conversation.pk,
            due_at=due.isoformat(),
            reason=reason,
        )
    return survey or Survey.objects.get(cause=cause)


def _create(cause: str, **fields) -> Survey | None:
    """Insert the survey of `cause` unless another run has (None then)."""
    try:
        with transaction.atomic():
            return Survey.objects.create(cause=cause, **fields)
    except IntegrityError:
        return None


@transaction.atomic
def withdraw_for(conversation_id: int, now: datetime | None = None) -> int:
    """The conversation reopened: its unanswered contact surveys are withdrawn; how many."""
    now = now or timezone.now()
    surveys = list(
        Survey.objects.select_for_update()
        .filter(
            conversation_id=conversation_id,
            purpose=Purpose.CONTACT,
            status__in=(SurveyStatus.SCHEDULED, SurveyStatus.SENT),
        )
        .order_by("id")
    )
    for survey in surveys:
        survey.status = SurveyStatus.WITHDRAWN
        survey.withdrawn_at = now
        survey.save(update_fields=["status", "withdrawn_at"])
        record(None, Verb.SURVEY_WITHDRAWN, survey, conversation_id=conversation_id)
    return len(surveys)


# Sending ---------------------------------------------------------------------------------


def due_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    return list(
        Survey.objects.filter(status=SurveyStatus.SCHEDULED, due_at__lte=now or timezone.now())
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def reminder_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    return list(
        Survey.objects.filter(
            status=SurveyStatus.SENT,
            remind_at__isnull=False,
            reminded_at__isnull=True,
            remind_at__lte=now or timezone.now(),
        )
        .order_by("remind_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def send_due(now: datetime | None = None) -> dict:
    """The beat task: send every survey that is due and every reminder; what was done."""
    now = now or timezone.now()
    sent = sum(1 for pk in due_ids(now) if send(pk, now) == SurveyStatus.SENT)
    reminded = sum(1 for pk in reminder_ids(now) if remind(pk, now))
    return {"sent": sent, "reminded": reminded}


@transaction.atomic
def send(survey_id: int, now: datetime | None = None) -> str:
    """Send one scheduled survey, decided from the locked row (two workers send it once);
    its status afterwards."""
    from helpline.feedback import mail

    now = now or timezone.now()
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("customer", "conversation", "policy")
        .get(pk=survey_id)
    )
    if survey.status != SurveyStatus.SCHEDULED:
        return survey.status
    conversation = survey.conversation
    reason = ""
    if (
        survey.cause.startswith("solved:")
        and conversation is not None
        and conversation.status not in DONE_STATUSES
    ):
        reason = "the conversation was reopened"
    if conversation is None:
        reason = "no conversation to write the survey mail on"
    every_days = survey.policy.every_days if survey.policy else DEFAULT_EVERY_DAYS
    reason = reason or why_not(
        survey.customer,
        conversation,
        survey.purpose,
        every_days=every_days,
        now=now,
        exclude=survey.pk,
    )
    if reason:
        survey.status = SurveyStatus.SKIPPED
        survey.not_sent_because = reason
        survey.save(update_fields=["status", "not_sent_because"])
        record(None, Verb.SURVEY_SKIPPED, survey, reason=reason)
        return survey.status
    assert survey.customer is not None
    survey.recipient = recipient_of(survey.customer)
    message = mail.send_survey(survey, reminder=False)
    survey.message_id = message.pk if message else None
    survey.status = SurveyStatus.SENT
    survey.sent_at = now
    if survey.policy and survey.policy.reminder_after_days:
        survey.remind_at = now + timedelta(days=survey.policy.reminder_after_days)
    survey.save()
    record(survey.requested_by, Verb.SURVEY_SENT, survey, recipient=survey.recipient)
    publish(
        EventName.SURVEY_SENT,
        survey_id=survey.pk,
        kind=survey.kind,
        purpose=survey.purpose,
        customer_id=survey.customer_id,
        conversation_id=survey.conversation_id,
        location_id=survey.location_id,
        recovery_case_id=survey.recovery_case_id,
    )
    return survey.status


@transaction.atomic
def remind(survey_id: int, now: datetime | None = None) -> bool:
    """The one reminder of a sent, unanswered survey; whether it went."""
    from helpline.feedback import mail

    now = now or timezone.now()
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("customer", "conversation", "policy")
        .get(pk=survey_id)
    )
    if survey.status != SurveyStatus.SENT or survey.reminded_at is not None:
        return False
    survey.reminded_at = now
    survey.save(update_fields=["reminded_at"])
    if survey.customer is None or OptOut.objects.filter(customer=survey.customer).exists():
        return False
    mail.send_survey(survey, reminder=True)
    record(None, Verb.SURVEY_REMINDED, survey, recipient=survey.recipient)
    return True


@transaction.atomic
def send_now(actor: User, conversation: Conversation, kind: str = "") -> Survey:
    """An agent sends the survey by email at once (after a call or a visit): the
    conversation's policy's kind unless `kind`; the same exclusions, no delay."""
    if kind and kind not in Kind.values:
        raise ActionError("choose csat, nps or ces", "kind")
    policy = policy_for(conversation)
    kind = kind or (policy.kind if policy else Kind.CSAT)
    reason = why_not(
        conversation.customer,
        conversation,
        Purpose.CONTACT,
        every_days=policy.every_days if policy else DEFAULT_EVERY_DAYS,
    )
    if reason:
        raise ActionError(f"not sent: {reason}", "kind")
    survey = Survey.objects.create(
        cause=f"manual:{uuid.uuid4()}",
        kind=kind,
        purpose=Purpose.CONTACT,
        policy=policy,
        customer=conversation.customer,
        conversation=conversation,
        location=conversation.location,
        language=policy.language if policy else "",
        due_at=timezone.now(),
        requested_by=actor,
    )
    if send(survey.pk) != SurveyStatus.SENT:
        survey.refresh_from_db()
        raise ActionError(f"not sent: {survey.not_sent_because}", "kind")
    survey.refresh_from_db()
    return survey


@transaction.atomic
def record_past_survey(conversation: Conversation, kind: str, sent_at: datetime) -> Survey:
    """A survey that went long ago (history recorded after the fact, the demo): marked sent
    at `sent_at`, no mail queued, no event (nothing happens now)."""
    if kind not in Kind.values:
        raise ActionError("choose csat, nps or ces", "kind")
    survey = Survey.objects.create(
        cause=f"past:{conversation.pk}:{sent_at.isoformat()}",
        kind=kind,
        purpose=Purpose.CONTACT,
        policy=policy_for(conversation),
        customer_id=conversation.customer_id,
        conversation=conversation,
        location_id=conversation.location_id,
        due_at=sent_at,
        sent_at=sent_at,
        status=SurveyStatus.SENT,
        recipient=recipient_of(conversation.customer),
    )
    record(None, Verb.SURVEY_SENT, survey, at=sent_at, recipient=survey.recipient)
    return survey


# Recovery ----------------------------------------------------------------------------------


@transaction.atomic
def recovery_opened(customer_id: int, case_id: int) -> None:
    """A recovery case is open: the customer gets its follow-up, not contact surveys."""
    if not Customer.objects.filter(pk=customer_id).exists():
        return
    OpenRecoveryCase.objects.update_or_create(
        customer_id=customer_id, defaults={"case_id": case_id}
    )


@transaction.atomic
def recovery_closed(
    case_id: int,
    customer_id: int,
    conversation_id: int | None,
    location_id: int | None,
    kind: str = Kind.CSAT,
) -> Survey | None:
    """The case is closed: the customer may be surveyed again, and gets the follow-up
    survey now (purpose recovery_followup, the case's id). Idempotent per case."""
    OpenRecoveryCase.objects.filter(customer_id=customer_id, case_id=case_id).delete()
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return None
    conversation = (
        Conversation.objects.filter(pk=conversation_id).first() if conversation_id else None
    )
    cause = f"recovery:{case_id}"
    reason = why_not(customer, conversation, Purpose.RECOVERY_FOLLOWUP)
    survey = _create(
        cause,
        kind=kind if kind in Kind.values else Kind.CSAT,
        purpose=Purpose.RECOVERY_FOLLOWUP,
        customer=customer,
        conversation=conversation,
        location_id=location_id,
        recovery_case_id=case_id,
        due_at=timezone.now(),
        status=SurveyStatus.SKIPPED if reason else SurveyStatus.SCHEDULED,
        not_sent_because=reason,
    )
    if survey is None:
        return Survey.objects.get(cause=cause)
    if not reason:
        send(survey.pk)
        survey.refresh_from_db()
    return survey


# Answers ---------------------------------------------------------------------------------


class SurveyClosed(ActionError):
    """The survey takes no answer (any more): `reason` says why, for a plain page."""

    def __init__(self, reason: str):
        super().__init__(reason, "score")
        self.reason = reason


def change_window() -> timedelta:
    return timedelta(days=settings.HELPLINE_SURVEY_CHANGE_DAYS)


def check_score(kind: str, score) -> int:
    try:
        value = int(score)
    except (TypeError, ValueError):
        raise ActionError("choose a score", "score") from None
    allowed = scale(kind)
    if value not in allowed:
        raise ActionError(f"a score from {allowed[0]} to {allowed[-1]}", "score")
    return value


@transaction.atomic
def answer_in_chat(conversation: Conversation, score, now: datetime | None = None) -> Answer:
    """The chat widget asks its question inline when a chat ends: one CSAT survey per chat
    (its cause "chat:<conversation>"), asked and answered at once, credited like any other."""
    now = now or timezone.now()
    check_score(Kind.CSAT, score)
    survey = Survey.objects.filter(cause=f"chat:{conversation.pk}").first()
    if survey is None:
        survey = Survey.objects.create(
            cause=f"chat:{conversation.pk}",
            kind=Kind.CSAT,
            purpose=Purpose.CONTACT,
            status=SurveyStatus.SENT,
            customer_id=conversation.customer_id,
            conversation=conversation,
            location_id=conversation.location_id,
            sent_at=now,
        )
        record(None, Verb.SURVEY_SENT, survey, conversation_id=conversation.pk, via="chat")
    return answer(survey, score, now)


@transaction.atomic
def answer(survey: Survey, score, now: datetime | None = None) -> Answer:
    """Record the customer's score, or change it within the change window (one answer per
    survey, first credit kept); SurveyClosed when it takes none."""
    now = now or timezone.now()
    survey = Survey.objects.select_for_update(of=("self",)).get(pk=survey.pk)
    score = check_score(survey.kind, score)
    if survey.status == SurveyStatus.WITHDRAWN:
        raise SurveyClosed("withdrawn")
    if survey.status not in (SurveyStatus.SENT, SurveyStatus.ANSWERED):
        raise SurveyClosed("not_sent")
    existing = Answer.objects.filter(survey=survey).first()
    if existing is not None:
        if now > existing.answered_at + change_window():
            raise SurveyClosed("too_late")
        if existing.score == score:
            return existing
        before = existing.score
        existing.score = score
        existing.changed_at = now
        existing.changes += 1
        existing.save(update_fields=["score", "changed_at", "changes"])
        record(None, Verb.ANSWER_CHANGED, survey, before=before, after=score)
        _announce(survey, existing, changed=True)
        return existing
    conversation = survey.conversation
    created = Answer.objects.create(
        survey=survey,
        kind=survey.kind,
        score=score,
        customer_id=survey.customer_id,
        conversation=conversation,
        location_id=conversation.location_id if conversation else survey.location_id,
        agent_id=conversation.assignee_id if conversation else None,
        team_id=conversation.team_id if conversation else None,
        answered_at=now,
    )
    survey.status = SurveyStatus.ANSWERED
    survey.save(update_fields=["status"])
    record(None, Verb.ANSWERED, survey, score=score, conversation_id=survey.conversation_id)
    _announce(survey, created, changed=False)
    return created


@transaction.atomic
def comment(survey: Survey, text: str, now: datetime | None = None) -> Answer:
    """The answer's optional comment, added or replaced within the change window."""
    now = now or timezone.now()
    text = (text or "").strip()
    if len(text) > 5000:
        raise ActionError("at most 5,000 characters", "comment")
    existing = Answer.objects.select_for_update().filter(survey_id=survey.pk).first()
    if existing is None:
        raise ActionError("choose a score first", "score")
    if now > existing.answered_at + change_window():
        raise SurveyClosed("too_late")
    if existing.comment == text:
        return existing
    changed = bool(existing.comment)
    existing.comment = text
    existing.save(update_fields=["comment"])
    record(None, Verb.ANSWER_CHANGED, existing.survey, comment=True)
    _announce(existing.survey, existing, changed=changed or existing.changes > 0)
    return existing


def _announce(survey: Survey, answer: Answer, *, changed: bool) -> None:
    publish(
        EventName.SURVEY_ANSWERED,
        survey_id=survey.pk,
        answer_id=answer.pk,
        kind=answer.kind,
        score=answer.score,
        comment=answer.comment,
        purpose=survey.purpose,
        recovery_case_id=survey.recovery_case_id,
        customer_id=answer.customer_id,
        conversation_id=answer.conversation_id,
        location_id=answer.location_id,
        agent_id=answer.agent_id,
        team_id=answer.team_id,
        changed=changed,
        answered_at=answer.answered_at.isoformat(),
    )


@transaction.atomic
def kiosk_answer(location: Location, kind: str, score, comment_text: str = "") -> Answer:
    """A walk-in's answer on the location's kiosk: no customer, credited to the location."""
    if kind not in Kind.values:
        raise ActionError("choose csat, nps or ces", "kind")
    score = check_score(kind, score)
    comment_text = (comment_text or "").strip()
    if len(comment_text) > 2000:
        raise ActionError("at most 2,000 characters", "comment")
    now = timezone.now()
    survey = Survey.objects.create(
        cause=f"kiosk:{uuid.uuid4()}",
        kind=kind,
        purpose=Purpose.KIOSK,
        location=location,
        status=SurveyStatus.ANSWERED,
        sent_at=now,
    )
    created = Answer.objects.create(
        survey=survey,
        kind=kind,
        score=score,
        comment=comment_text,
        location=location,
        answered_at=now,
    )
    record(None, Verb.ANSWERED, survey, score=score, location_id=location.pk)
    _announce(survey, created, changed=False)
    return created


# Opt-out and predictions -------------------------------------------------------------------


@transaction.atomic
def opt_out(customer_id: int, via: str, survey_id: int | None = None) -> OptOut | None:
    """The customer is never surveyed again; their scheduled surveys are withdrawn."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return None
    found = OptOut.objects.filter(customer=customer).first()
    if found is not None:
        return found
    optout = OptOut.objects.create(
        customer=customer,
        via=via[:20],
        survey=Survey.objects.filter(pk=survey_id).first() if survey_id else None,
    )
    Survey.objects.filter(customer=customer, status=SurveyStatus.SCHEDULED).update(
        status=SurveyStatus.SKIPPED, not_sent_because="the customer opted out of surveys"
    )
    record(None, Verb.OPTED_OUT, customer, via=via, survey_id=survey_id)
    return optout


@transaction.atomic
def predict(actor: User, conversation: Conversation, score, kind: str = "") -> Prediction:
    """The score the agent expects this customer to give; never shown to the customer."""
    if kind and kind not in Kind.values:
        raise ActionError("choose csat, nps or ces", "kind")
    if not kind:
        policy = policy_for(conversation)
        kind = policy.kind if policy else Kind.CSAT
    score = check_score(kind, score)
    prediction = Prediction.objects.create(
        conversation=conversation, agent=actor, kind=kind, score=score
    )
    record(actor, Verb.PREDICTED, conversation, kind=kind, score=score)
    return prediction


def has_email(customer: Customer) -> bool:
    return customer.identities.filter(kind=IdentityKind.EMAIL).exists()
