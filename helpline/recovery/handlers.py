"""How recovery follows the desk's events: each rule, after commit and idempotent (every
trigger names its cause, and a cause is taken once).

- survey.answered, purpose "contact": a low CSAT, NPS or CES score; purpose
  "recovery_followup": the case's outcome.
- text.scored of a message: a strongly negative one.
- text.themed: remember the conversation's theme; a repeat contact on it.
- sla.breached of the resolution clock, callback.failed never connected, appointment.missed
  by us.

The long wait is a scan (tasks.scan_long_waits), not an event. A merge of customers moves
their cases in its transaction (customers.merged); an unmerge leaves them with the target.
"""

from datetime import datetime
from decimal import Decimal

from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.recovery import actions
from helpline.recovery.models import TriggerKind


def connect() -> None:
    subscribe(EventName.CUSTOMERS_MERGED, follow_merge, phase=Phase.IN_TRANSACTION)
    phase = Phase.AFTER_COMMIT
    subscribe(EventName.SURVEY_ANSWERED, survey_answered, phase=phase)
    subscribe(EventName.TEXT_SCORED, message_scored, phase=phase, when=negative_enough)
    subscribe(EventName.TEXT_THEMED, text_themed, phase=phase)
    subscribe(
        EventName.SLA_BREACHED, sla_breached, phase=phase, when=lambda p: p["clock"] == "resolution"
    )
    subscribe(
        EventName.CALLBACK_FAILED,
        callback_failed,
        phase=phase,
        when=lambda p: p["reason"] == "never_connected",
    )
    subscribe(
        EventName.APPOINTMENT_MISSED,
        appointment_missed,
        phase=phase,
        when=lambda p: p["by"] == "us",
    )


def follow_merge(event: Event) -> dict:
    """In the merge's transaction: the cases go with the customer (one open case at most)."""
    return actions.follow_merged_customer(event["source_id"], event["target_id"])


def negative_enough(payload: dict) -> bool:
    """Only a message negative enough for some location's threshold is stored for delivery
    (one small query at publish, rather than a delivery for every message scored)."""
    compound = payload.get("compound")
    if payload.get("source") != "message" or compound is None:
        return False
    return Decimal(str(compound)) <= actions.loosest_compound()


def survey_answered(event: Event) -> None:
    if event["purpose"] == "recovery_followup":
        if event.get("recovery_case_id"):
            actions.record_follow_up(
                event["recovery_case_id"],
                event["kind"],
                int(event["score"]),
                datetime.fromisoformat(event["answered_at"]),
            )
        return
    if event["purpose"] != "contact" or not event.get("customer_id"):
        return
    actions.remember_score(
        event["answer_id"],
        event["customer_id"],
        event.get("location_id"),
        event["kind"],
        int(event["score"]),
        datetime.fromisoformat(event["answered_at"]),
    )
    actions.score_answered(
        event["kind"],
        int(event["score"]),
        key=f"survey:{event['answer_id']}",  # a changed answer is the same cause
        customer_id=event["customer_id"],
        conversation_id=event.get("conversation_id"),
        location_id=event.get("location_id"),
        detail={"survey_id": event["survey_id"], "kind": event["kind"], "score": event["score"]},
    )


def message_scored(event: Event) -> None:
    actions.message_scored(
        event["compound"],
        key=f"message:{event['source_id']}",
        customer_id=event.get("customer_id"),
        conversation_id=event.get("conversation_id"),
        location_id=event.get("location_id"),
        detail={"message_id": event["source_id"], "compound": event["compound"]},
    )


def text_themed(event: Event) -> None:
    if not event.get("conversation_id") or event.get("theme_id") is None:
        return
    actions.themed(event["conversation_id"], int(event["theme_id"]), event.get("theme_name") or "")


def sla_breached(event: Event) -> None:
    actions.trigger(
        TriggerKind.SLA_BREACH,
        key=f"sla:{event['sla_event_id']}",
        customer_id=event["customer_id"],
        conversation_id=event["conversation_id"],
        location_id=event["location_id"],
        detail={"clock": event["clock"], "due_at": event["due_at"]},
    )


def callback_failed(event: Event) -> None:
    actions.trigger(
        TriggerKind.CALLBACK_FAILED,
        key=f"callback:{event['callback_id']}:{event['failed_at']}",
        customer_id=event["customer_id"],
        conversation_id=event["conversation_id"],
        location_id=event["location_id"],
        detail={"callback_id": event["callback_id"]},
    )


def appointment_missed(event: Event) -> None:
    actions.trigger(
        TriggerKind.APPOINTMENT_MISSED,
        key=f"appointment:{event['appointment_id']}",
        customer_id=event["customer_id"],
        conversation_id=event["conversation_id"],
        location_id=event["location_id"],
        detail={"appointment_id": event["appointment_id"], "starts_at": event["starts_at"]},
    )
