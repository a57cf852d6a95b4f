"""State changes of service recovery. Handlers, views, the API and tasks call these.

Each action is one transaction and writes the activity log. `trigger` is the one way a case
opens or grows: a trigger names its cause in `key` (unique), and a customer has at most one
open case (a partial unique index), so an event delivered twice, or two workers handling the
same customer's events at once, still make one case with each trigger once.
"""

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import OuterRef
from django.utils import timezone

from helpline.conversations.models import OPEN_WORK, Conversation, Status
from helpline.core.activity import record
from helpline.core.errors import ActionError, refuse_unknown
from helpline.core.events import EventName, publish
from helpline.core.models import Location, Role, Team, User
from helpline.core.sql import insert_new
from helpline.customers.models import Customer
from helpline.hours.calendar import calendar_for, calendars_for
from helpline.recovery.models import (
    OPTIONAL_STEPS,
    STEP_ORDER,
    CaseStatus,
    ContactScore,
    GoodwillKind,
    Outcome,
    RecoveryCase,
    RecoveryRules,
    RecoveryStep,
    RecoveryTrigger,
    RootCause,
    Step,
    SurveyKind,
    ThemedConversation,
    TriggerKind,
)
from helpline.recovery.verbs import Verb

# The score at or above which a follow-up answer says the customer was won back.
GOOD = {SurveyKind.CSAT: 4, SurveyKind.NPS: 9, SurveyKind.CES: 5}
SCALES = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10), SurveyKind.CES: (1, 7)}
# A case opened by a score is followed up on the same scale; any other, by CSAT.
FOLLOW_UP_KIND = {TriggerKind.LOW_NPS: SurveyKind.NPS, TriggerKind.LOW_CES: SurveyKind.CES}
SCORE_RULES = {
    SurveyKind.CSAT: (TriggerKind.LOW_CSAT, "low_csat", "csat_at_most"),
    SurveyKind.NPS: (TriggerKind.LOW_NPS, "low_nps", "nps_at_most"),
    SurveyKind.CES: (TriggerKind.LOW_CES, "low_ces", "ces_at_most"),
}
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_TEXT = 5000


# The rules


def rules_for(location_id: int | None) -> RecoveryRules:
    """The location's own rules, else those for every location, else the defaults."""
    rows = {
        rules.location_id: rules
        for rules in RecoveryRules.objects.filter(
            location_id__in=[location_id] if location_id else []
        )
        | RecoveryRules.objects.filter(location__isnull=True)
    }
    return rows.get(location_id) or rows.get(None) or RecoveryRules()


def all_rules() -> tuple[RecoveryRules, dict[int, RecoveryRules]]:
    """The rules for every location (the default first, then each location's own)."""
    default, own = RecoveryRules(), {}
    for rules in RecoveryRules.objects.all():
        if rules.location_id is None:
            default = rules
        else:
            own[rules.location_id] = rules
    return default, own


def loosest_compound() -> Decimal:
    """The highest "strongly negative" threshold any location has: a message above it opens
    no case anywhere."""
    default = RecoveryRules._meta.get_field("compound_at_most").default
    rows = dict(RecoveryRules.objects.values_list("location_id", "compound_at_most"))
    everyone = rows.pop(None, default)
    return max([everyone, *rows.values()])


@transaction.atomic
def set_rules(actor: User | None, location: Location | None, **values) -> RecoveryRules:
    """Change the rules of a location (or those for every location); the others unchanged."""
    from django.core.exceptions import ValidationError

    fields = {f.name for f in RecoveryRules._meta.concrete_fields} - {"id", "location"}
    unknown = set(values) - fields
    if unknown:
        first = sorted(unknown)[0]
        raise ActionError(f"cannot set {', '.join(sorted(unknown))}", first)
    rules = RecoveryRules.objects.select_for_update().filter(location=location).first()
    if rules is None:
        rules = rules_for(None) if location is not None else RecoveryRules()
        rules.pk, rules.location = None, location
    for name, value in values.items():
        setattr(rules, name, value)
    try:
        rules.full_clean(exclude=["location"])
    except ValidationError as exc:
        name, errors = next(iter(exc.message_dict.items()))
        raise ActionError(f"{name}: {errors[0]}", name) from None
    rules.save()
    record(
        actor,
        Verb.RULES_CHANGED,
        rules,
        location_id=getattr(location, "pk", None),
        **{k: str(v) for k, v in values.items()},
    )
    return rules


# The root causes a closing agent chooses from

CAUSE_FIELDS = ("name", "description", "position", "active")


def _clean_cause(values: dict, cause: RootCause | None) -> dict:
    """Checked root cause values; an ActionError names the field to blame."""
    refuse_unknown(values, CAUSE_FIELDS)
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = " ".join((cleaned["name"] or "").split())
        if not cleaned["name"]:
            raise ActionError("a root cause needs a name", "name")
        if len(cleaned["name"]) > 200:
            raise ActionError("at most 200 characters", "name")
        taken = RootCause.objects.filter(name__iexact=cleaned["name"])
        if cause is not None:
            taken = taken.exclude(pk=cause.pk)
        if taken.exists():
            raise ActionError("another root cause has this name", "name")
    if "description" in cleaned:
        cleaned["description"] = (cleaned["description"] or "").strip()
        if len(cleaned["description"]) > MAX_TEXT:
            raise ActionError(f"at most {MAX_TEXT} characters", "description")
    if "position" in cleaned:
        value = cleaned["position"]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
            raise ActionError("a whole number from 0 to 1000000", "position")
    if "active" in cleaned:
        cleaned["active"] = bool(cleaned["active"])
    return cleaned


def _cause_plain(cause: RootCause) -> dict:
    return {name: getattr(cause, name) for name in CAUSE_FIELDS}


@transaction.atomic
def add_root_cause(actor: User | None, **values) -> RootCause:
    values = _clean_cause(values, None)
    if not values.get("name"):
        raise ActionError("a root cause needs a name", "name")
    cause = RootCause.objects.create(**values)
    record(actor, Verb.CAUSE_ADDED, cause, **_cause_plain(cause))
    return cause


@transaction.atomic
def change_root_cause(actor: User | None, cause: RootCause, **changes) -> RootCause:
    """Rename, reorder, describe, or (in)activate a root cause: an inactive one is no longer
    offered when closing a case, and the cases closed with it keep it."""
    changes = _clean_cause(changes, cause)
    before = _cause_plain(cause)
    for name, value in changes.items():
        setattr(cause, name, value)
    cause.save()
    record(actor, Verb.CAUSE_CHANGED, cause, before=before, after=_cause_plain(cause))
    return cause


# Opening and joining


def default_owner(location_id: int | None) -> User | None:
    """Who owns a new case: the lead of a team of the location, else a manager of it."""
    if location_id is None:
        return None
    lead = (
        Team.objects.filter(location_id=location_id, lead__is_active=True)
        .select_related("lead")
        .order_by("pk")
        .first()
    )
    if lead is not None and lead.lead is not None:
        return lead.lead
    return (
        User.objects.filter(role=Role.MANAGER, locations=location_id, is_active=True)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def trigger(
    kind: str,
    *,
    key: str,
    customer_id: int | None,
    conversation_id: int | None = None,
    location_id: int | None = None,
    detail: dict | None = None,
    at: datetime | None = None,
) -> RecoveryCase | None:
    """A rule fired: open the customer's case, or add the trigger to their open one.

    Nothing when the cause (`key`) was handled before, or the rule is off at the location.
    """
    if kind not in TriggerKind.values:
        raise ActionError(f"the trigger is one of {', '.join(TriggerKind.values)}", "kind")
    if customer_id is None:
        return None  # a kiosk answer: nobody to win back
    conversation = None
    if conversation_id is not None:
        conversation = (
            Conversation.objects.only("customer_id", "location_id")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is not None:
            customer_id = conversation.customer_id  # merged since: the one who is left
            location_id = conversation.location_id or location_id
        else:
            conversation_id = None
    if location_id is None:
        location_id = (
            Customer.objects.filter(pk=customer_id).values_list("location_id", flat=True).first()
        )
    rules = rules_for(location_id)
    if not getattr(rules, kind):
        return None
    if RecoveryTrigger.objects.filter(key=key).exists():
        return None
    now = timezone.now()
    case, opened = _open_case(customer_id, conversation, location_id, rules, kind, now)
    # ON CONFLICT DO NOTHING: no savepoint, one round trip.
    inserted = insert_new(
        RecoveryTrigger,
        ["case", "kind", "key", "conversation", "detail", "at"],
        [(case.pk, kind, key[:200], conversation_id, detail or {}, at or now)],
        unique=["key"],
        returning=["id"],
    )
    if not inserted:  # the same cause, handled at this moment by another worker
        if opened:
            # Roll our new case back with it: the other worker's case stands.
            raise IntegrityError(f"trigger {key} was recorded meanwhile")
        return None
    if opened:
        record(None, Verb.OPENED, case, trigger=kind, key=key, owner_id=case.owner_id)
        publish(EventName.RECOVERY_OPENED, **_payload(case, [kind]))
    else:
        record(None, Verb.JOINED, case, trigger=kind, key=key)
    return case


def _open_case(
    customer_id: int,
    conversation: Conversation | None,
    location_id: int | None,
    rules: RecoveryRules,
    kind: str,
    now: datetime,
) -> tuple[RecoveryCase, bool]:
    """The customer's open case, locked, and whether this call opened it."""
    case = _open_case_of(customer_id)
    if case is not None:
        return case, False
    location = Location.objects.filter(pk=location_id).first() if location_id else None
    case = RecoveryCase(
        customer_id=customer_id,
        conversation=conversation,
        location=location,
        owner=default_owner(location_id),
        opened_at=now,
        due_at=calendar_for(location).add(now, timedelta(minutes=rules.first_touch_minutes)),
        follow_up_kind=FOLLOW_UP_KIND.get(kind, SurveyKind.CSAT),
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:  # another worker opened it at this moment: join theirs
        case = _open_case_of(customer_id)
        if case is None:
            raise
        return case, False
    return case, True


def _open_case_of(customer_id: int) -> RecoveryCase | None:
    return (
        RecoveryCase.objects.select_for_update(of=("self",))
        .filter(customer_id=customer_id, status=CaseStatus.OPEN)
        .first()
    )


def _payload(case: RecoveryCase, triggers: list[str] | None = None) -> dict:
    return {
        "case_id": case.pk,
        "customer_id": case.customer_id,
        "conversation_id": case.conversation_id,
        "location_id": case.location_id,
        "owner_id": case.owner_id,
        "triggers": triggers if triggers is not None else case.trigger_kinds(),
    }


# The playbook


def _locked(case: RecoveryCase) -> RecoveryCase:
    return (
        RecoveryCase.objects.select_for_update(of=("self",))
        .select_related("location")
        .get(pk=case.pk)
    )


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ActionError(f"at most {MAX_TEXT} characters", field)
    return value


@transaction.atomic
def record_step(
    actor: User,
    case: RecoveryCase,
    step: str,
    note: str = "",
    goodwill_kind: str = "",
    goodwill_amount: str | Decimal | None = None,
    goodwill_currency: str = "",
) -> RecoveryStep:
    """Record one step of the playbook, by whom and when; the next falls due."""
    if step not in Step.values:
        raise ActionError(f"the step is one of {', '.join(Step.values)}", "step")
    note = _text(note, "note")
    goodwill = _goodwill(step, goodwill_kind, goodwill_amount, goodwill_currency)
    case = _locked(case)
    if case.status != CaseStatus.OPEN:
        raise ActionError("this case is closed", "step")
    done = case.steps_done()
    if step in done:
        raise ActionError(f"“{Step(step).label}” is recorded already", "step")
    missing = [
        s for s in STEP_ORDER[: STEP_ORDER.index(step)] if s not in done and s not in OPTIONAL_STEPS
    ]
    if missing:
        raise ActionError(f"first “{Step(missing[0]).label}”", "step")
    now = timezone.now()
    row = RecoveryStep.objects.create(
        case=case, step=step, actor=actor, at=now, note=note, **goodwill
    )
    if case.first_touched_at is None:
        case.first_touched_at = now
    rules = rules_for(case.location_id)
    case.due_at = calendar_for(case.location).add(now, timedelta(minutes=rules.next_step_minutes))
    case.save(update_fields=["first_touched_at", "due_at"])
    record(
        actor,
        Verb.STEP,
        case,
        step=step,
        step_id=row.pk,
        **{k: str(v) for k, v in goodwill.items() if v not in ("", None)},
    )
    publish(EventName.RECOVERY_STEP, **_payload(case), step=step, actor_id=actor.pk)
    return row


def _goodwill(step: str, kind: str, amount, currency: str) -> dict:
    kind, currency = (kind or "").strip(), (currency or "").strip().upper()
    amount = None if amount in (None, "") else amount
    if step != Step.AMENDS:
        if kind or amount is not None or currency:
            raise ActionError("goodwill belongs to the step “Make amends”", "goodwill_kind")
        return {}
    if kind and kind not in GoodwillKind.values:
        raise ActionError(
            f"the goodwill is one of {', '.join(GoodwillKind.values)}", "goodwill_kind"
        )
    if amount is not None:
        if not kind:
            raise ActionError("say what the amount is: a refund, voucher or gift", "goodwill_kind")
        try:
            amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise ActionError("the amount is a number, e.g. 20.00", "goodwill_amount") from None
        if not Decimal("0") < amount < Decimal("10000000000"):
            raise ActionError("the amount is more than 0", "goodwill_amount")
        if not CURRENCY.match(currency):
            raise ActionError("the currency is a three-letter code, e.g. EUR", "goodwill_currency")
    elif currency:
        raise ActionError("a currency needs an amount", "goodwill_amount")
    return {"goodwill_kind": kind, "goodwill_amount": amount, "goodwill_currency": currency}


@transaction.atomic
def reassign(actor: User, case: RecoveryCase, owner: User | None) -> RecoveryCase:
    case = _locked(case)
    if owner is not None and not (owner.is_active and owner.serves(case.location_id)):
        raise ActionError("the owner must be someone who serves the case's location", "owner")
    before = case.owner_id
    case.owner = owner
    case.save(update_fields=["owner"])
    record(actor, Verb.REASSIGNED, case, before=before, owner_id=getattr(owner, "pk", None))
    return case


@transaction.atomic
def close(
    actor: User,
    case: RecoveryCase,
    root_cause_id: int | str | None,
    what_changed: str,
    follow_up_kind: str = "",
) -> RecoveryCase:
    """Close with the root cause and what was changed; the follow-up survey is sent (by the
    feedback app, on recovery.closed) and its answer decides the outcome."""
    what_changed = _text(what_changed, "what_changed")
    cause = None
    if root_cause_id not in (None, ""):
        try:
            cause = RootCause.objects.filter(pk=int(root_cause_id), active=True).first()
        except (TypeError, ValueError):
            cause = None
    if cause is None:
        raise ActionError("choose the root cause from the list", "root_cause")
    if not what_changed:
        raise ActionError("say what was changed so that it does not happen again", "what_changed")
    if follow_up_kind and follow_up_kind not in SurveyKind.values:
        raise ActionError(
            f"the follow-up is one of {', '.join(SurveyKind.values)}", "follow_up_kind"
        )
    case = _locked(case)
    if case.status != CaseStatus.OPEN:
        raise ActionError("this case is closed already", "root_cause")
    if Step.ACKNOWLEDGE not in case.steps_done():
        raise ActionError(f"first “{Step.ACKNOWLEDGE.label}”", "root_cause")
    now = timezone.now()
    case.status = CaseStatus.CLOSED
    case.closed_at, case.closed_by = now, actor
    case.root_cause, case.what_changed = cause, what_changed
    case.follow_up_kind = follow_up_kind or case.follow_up_kind
    case.outcome = Outcome.WAITING
    case.save()
    record(actor, Verb.CLOSED, case, root_cause=cause.name, follow_up_kind=case.follow_up_kind)
    publish(
        EventName.RECOVERY_CLOSED,
        **_payload(case),
        follow_up_kind=case.follow_up_kind,
        root_cause=cause.name,
    )
    return case


# The outcome


@transaction.atomic
def record_follow_up(
    case_id: int, kind: str, score: int, answered_at: datetime
) -> RecoveryCase | None:
    """The follow-up survey's answer: recovered when good, not recovered when bad. An answer
    later than the waiting time leaves the outcome unknown; a changed answer counts anew."""
    case = (
        RecoveryCase.objects.select_for_update()
        .filter(pk=case_id, status=CaseStatus.CLOSED)
        .first()
    )
    if case is None or case.closed_at is None or kind not in GOOD:
        return None
    rules = rules_for(case.location_id)
    if answered_at > case.closed_at + timedelta(days=rules.answer_days):
        return None
    outcome = Outcome.RECOVERED if score >= GOOD[kind] else Outcome.NOT_RECOVERED
    case.outcome, case.outcome_at, case.outcome_score = outcome, answered_at, score
    case.save(update_fields=["outcome", "outcome_at", "outcome_score"])
    record(None, Verb.OUTCOME, case, outcome=outcome, kind=kind, score=score)
    return case


@transaction.atomic
def expire_unanswered(now: datetime | None = None) -> int:
    """Cases whose follow-up went unanswered for the waiting time: outcome unknown."""
    now = now or timezone.now()
    default, own = all_rules()
    waiting = RecoveryCase.objects.select_for_update(skip_locked=True).filter(
        outcome=Outcome.WAITING, closed_at__lte=now - timedelta(days=1)
    )
    expired = []
    for case in waiting:
        days = own.get(case.location_id, default).answer_days
        if case.closed_at and case.closed_at + timedelta(days=days) <= now:
            case.outcome, case.outcome_at = Outcome.UNKNOWN, now
            expired.append(case)
    RecoveryCase.objects.bulk_update(expired, ["outcome", "outcome_at"])
    for case in expired:
        record(None, Verb.OUTCOME, case, outcome=Outcome.UNKNOWN)
    return len(expired)


@transaction.atomic
def follow_merged_customer(source_id: int, target_id: int) -> dict:
    """A merge gives the target the source's cases; when both had one open, the source's
    triggers and steps join the target's open case, and the source's emptied case goes."""
    cases = list(RecoveryCase.objects.select_for_update().filter(customer_id=source_id))
    target_open = _open_case_of(target_id)
    source_open = next((c for c in cases if c.status == CaseStatus.OPEN), None)
    joined = None
    if target_open is not None and source_open is not None:
        RecoveryTrigger.objects.filter(case=source_open).update(case=target_open)
        done = target_open.steps_done()
        RecoveryStep.objects.filter(case=source_open).exclude(step__in=done).update(
            case=target_open
        )
        joined = source_open.pk
        source_open.delete()
        cases = [c for c in cases if c.pk != joined]
    RecoveryCase.objects.filter(pk__in=[c.pk for c in cases]).update(customer_id=target_id)
    ContactScore.objects.filter(customer_id=source_id).update(customer_id=target_id)
    ThemedConversation.objects.filter(customer_id=source_id).update(customer_id=target_id)
    return {"recovery_case_ids": [c.pk for c in cases], "recovery_case_joined": joined}


# The rules that read events (called by handlers.py)


def remember_score(
    answer_id: int,
    customer_id: int,
    location_id: int | None,
    kind: str,
    score: int,
    answered_at: datetime,
) -> None:
    """Keep a contact answer for the paradox report (a changed answer replaces its score)."""
    if kind not in GOOD:
        return
    ContactScore.objects.bulk_create(
        [
            ContactScore(
                answer_id=answer_id,
                customer_id=customer_id,
                location_id=location_id,
                kind=kind,
                score=score,
                answered_at=answered_at,
            )
        ],
        update_conflicts=True,
        unique_fields=["answer_id"],
        update_fields=["score", "answered_at"],
    )


def score_answered(kind: str, score: int, **where) -> RecoveryCase | None:
    """A contact survey's answer; a bad one opens (or joins) a case."""
    if kind not in SCORE_RULES:
        return None
    trigger_kind, switch, limit = SCORE_RULES[kind]
    rules = rules_for(where.get("location_id"))
    if not getattr(rules, switch) or score > getattr(rules, limit):
        return None
    return trigger(trigger_kind, **where)


def message_scored(compound: float | None, **where) -> RecoveryCase | None:
    if compound is None:
        return None
    rules = rules_for(where.get("location_id"))
    if Decimal(str(compound)) > rules.compound_at_most:
        return None
    return trigger(TriggerKind.NEGATIVE_MESSAGE, **where)


@transaction.atomic
def themed(conversation_id: int, theme_id: int, theme_name: str) -> RecoveryCase | None:
    """Remember the conversation's theme; a new conversation on the theme of one of the
    customer's solved within the last days opens (or joins) a case."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return None
    now = timezone.now()
    ThemedConversation.objects.bulk_create(
        [
            ThemedConversation(
                conversation=conversation,
                customer_id=conversation.customer_id,
                theme_id=theme_id,
                theme_name=theme_name[:200],
                at=now,
            )
        ],
        ignore_conflicts=True,
    )
    rules = rules_for(conversation.location_id)
    if not rules.repeat_contact:
        return None
    since = conversation.created_at - timedelta(days=rules.repeat_days)
    earlier = (
        ThemedConversation.objects.filter(
            customer_id=conversation.customer_id,
            theme_id=theme_id,
            conversation__status__in=[Status.SOLVED, Status.CLOSED],
            conversation__solved_at__gte=since,
            conversation__solved_at__lte=conversation.created_at,
        )
        .exclude(conversation_id=conversation.pk)
        .values_list("conversation_id", flat=True)
        .first()
    )
    if earlier is None:
        return None
    return trigger(
        TriggerKind.REPEAT_CONTACT,
        key=f"repeat:{conversation.pk}:{theme_id}",
        customer_id=conversation.customer_id,
        conversation_id=conversation.pk,
        detail={"theme_id": theme_id, "theme_name": theme_name, "earlier_conversation_id": earlier},
    )


def long_wait_candidates(now: datetime, limit: int = 1000):
    """Open conversations whose customer has waited at least the shortest threshold in wall
    time (business time is never more), without a long-wait trigger since they started."""
    default, own = all_rules()
    minutes = [r.long_wait_minutes for r in [default, *own.values()] if r.long_wait]
    if not minutes:
        return Conversation.objects.none()
    # NOT IN over a correlated subquery, not NOT EXISTS: PostgreSQL turns NOT EXISTS into an
    # anti-join whose plan follows the triggers' statistics, and while they were stale (many
    # new triggers, no ANALYZE yet) it compared every candidate with every trigger: 7 s at
    # 12,000 waiting customers. This form stays a look-up in recovery_trigger_wait per
    # candidate, whatever the statistics say.
    told = RecoveryTrigger.objects.filter(
        kind=TriggerKind.LONG_WAIT,
        conversation_id=OuterRef("pk"),
        at__gte=OuterRef("waiting_since"),
    ).values("conversation_id")
    return (
        Conversation.objects.filter(
            OPEN_WORK, waiting_since__lte=now - timedelta(minutes=min(minutes))
        )
        .exclude(pk__in=told)
        .order_by("waiting_since", "id")
        .values_list("pk", "customer_id", "location_id", "waiting_since")[:limit]
    )


def scan_long_waits(now: datetime | None = None, limit: int = 1000) -> int:
    """Open (or join) a case for each customer who has waited longer than their location's
    threshold in business time; how many triggers fired."""
    now = now or timezone.now()
    candidates = list(long_wait_candidates(now, limit))
    if not candidates:
        return 0
    default, own = all_rules()
    locations = Location.objects.in_bulk({c[2] for c in candidates if c[2] is not None})
    calendars = calendars_for(locations.values())
    fired = 0
    for pk, customer_id, location_id, waiting_since in candidates:
        rules = own.get(location_id, default)
        if not rules.long_wait:
            continue
        calendar = calendars.get(location_id) if location_id else calendar_for(None)
        waited = calendar.elapsed(waiting_since, now)
        if waited < timedelta(minutes=rules.long_wait_minutes):
            continue
        case = trigger(
            TriggerKind.LONG_WAIT,
            key=f"wait:{pk}:{waiting_since.isoformat()}",
            customer_id=customer_id,
            conversation_id=pk,
            detail={
                "waiting_since": waiting_since.isoformat(),
                "business_minutes": int(waited.total_seconds() // 60),
            },
            at=now,
        )
        fired += case is not None
    return fired
