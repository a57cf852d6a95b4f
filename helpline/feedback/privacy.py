"""Surveys' part of a customer's data request (helpline.customers.privacy): the surveys sent
to them and their answers in the export; on erasure comments and recipient addresses go,
surveys not yet answered are withdrawn, and every score stays (CSAT, NPS and CES still add up)."""

from django.utils import timezone

from helpline.core.chunks import ids_of
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.core.redact import redact_activity
from helpline.customers.privacy import Contribution, contribute
from helpline.feedback.models import Answer, OptOut, Survey, SurveyStatus


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, erase, phase=Phase.IN_TRANSACTION)
    contribute("surveys", export)


def export(customer_ids: list[int]) -> Contribution:
    answers = {
        row["survey_id"]: row
        for row in Answer.objects.filter(customer_id__in=customer_ids).values(
            "survey_id", "kind", "score", "comment", "answered_at", "changed_at", "changes"
        )
    }
    surveys = Survey.objects.filter(customer_id__in=customer_ids).order_by("created_at", "pk")
    data = [
        {**row, "answer": answers.get(row["id"])}
        for row in surveys.values(
            "id",
            "kind",
            "purpose",
            "status",
            "conversation_id",
            "recipient",
            "language",
            "sent_at",
            "reminded_at",
            "withdrawn_at",
            "created_at",
        )
    ]
    opt_outs = OptOut.objects.filter(customer_id__in=customer_ids).values("via", "created_at")
    return Contribution({"surveys": data, "opted_out": list(opt_outs)})


def erase(event: Event) -> dict:
    surveys = Survey.objects.filter(customer_id__in=event["customer_ids"])
    ids = ids_of(surveys)
    # A link already mailed would take a new comment: withdrawn, it takes nothing (and a
    # withdrawn survey still counts as sent in the figures).
    withdrawn = surveys.filter(status__in=(SurveyStatus.SCHEDULED, SurveyStatus.SENT)).update(
        status=SurveyStatus.WITHDRAWN, withdrawn_at=timezone.now()
    )
    surveys.update(recipient="")
    comments = (
        Answer.objects.filter(customer_id__in=event["customer_ids"]).exclude(comment="")
    ).update(comment="")
    redact_activity(Survey, ids, event["personal"])
    return {"surveys": len(ids), "surveys_withdrawn": withdrawn, "survey_comments": comments}
