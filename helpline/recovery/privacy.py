"""Service recovery's part of a customer's data request (helpline.customers.privacy): their
recovery cases with triggers and steps in the export; on erasure the steps' notes go and
"what changed" loses any mention of them, while triggers, steps, owners, times, outcomes and
scores stay (the recovery rate still adds up)."""

from helpline.core.chunks import ids_of
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.core.redact import redact_activity, scrub_text
from helpline.customers.privacy import Contribution, contribute, history_of
from helpline.recovery.models import RecoveryCase, RecoveryStep, RecoveryTrigger


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, erase, phase=Phase.IN_TRANSACTION)
    contribute("recovery_cases", export)


def export(customer_ids: list[int]) -> Contribution:
    cases = RecoveryCase.objects.filter(customer_id__in=customer_ids).order_by("opened_at", "pk")
    ids = ids_of(cases)
    triggers: dict[int, list[dict]] = {}
    for row in RecoveryTrigger.objects.filter(case_id__in=ids).values(
        "case_id", "kind", "conversation_id", "detail", "at"
    ):
        triggers.setdefault(row.pop("case_id"), []).append(row)
    steps: dict[int, list[dict]] = {}
    for row in RecoveryStep.objects.filter(case_id__in=ids).values(
        "case_id", "step", "actor__username", "at", "note", "goodwill_kind", "goodwill_amount"
    ):
        steps.setdefault(row.pop("case_id"), []).append(row)
    kind = RecoveryCase._meta.model_name
    events: dict[str, list[dict]] = {}
    for row in history_of(RecoveryCase, ids):
        events.setdefault(row["subject"], []).append(row)
    data = [
        {
            **row,
            "triggers": triggers.get(row["id"], []),
            "steps": steps.get(row["id"], []),
            "events": events.get(f"{kind}#{row['id']}", []),
        }
        for row in cases.values(
            "id",
            "customer_id",
            "conversation_id",
            "status",
            "opened_at",
            "closed_at",
            "root_cause__name",
            "what_changed",
            "outcome",
            "outcome_score",
        )
    ]
    return Contribution(data)


def erase(event: Event) -> dict:
    personal = event["personal"]
    cases = list(RecoveryCase.objects.filter(customer_id__in=event["customer_ids"]))
    for case in cases:
        case.what_changed = scrub_text(case.what_changed, personal)
    RecoveryCase.objects.bulk_update(cases, ["what_changed"], batch_size=500)
    ids = [case.pk for case in cases]
    notes = RecoveryStep.objects.filter(case_id__in=ids).exclude(note="").update(note="")
    redact_activity(RecoveryCase, ids, personal)
    return {"recovery_cases": len(ids), "recovery_notes": notes}
