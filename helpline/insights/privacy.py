"""Insights' part of a customer's data request (helpline.customers.privacy): the sentiment
and theme read in each thing they wrote, in the export; on erasure the survey comments kept
here go, while the sentiment scores and themes stay for the reports (the message texts
themselves are the conversations app's to erase)."""

from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.customers.privacy import Contribution, contribute
from helpline.insights.models import Text


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, erase, phase=Phase.IN_TRANSACTION)
    contribute("sentiment_and_themes", export)


def export(customer_ids: list[int]) -> Contribution:
    texts = Text.objects.filter(customer_id__in=customer_ids).order_by("written_at", "pk")
    data = list(
        texts.values(
            "source",
            "source_id",
            "conversation_id",
            "written_at",
            "language",
            "compound",
            "model",
            "theme__name",
            "theme_similarity",
        )
    )
    return Contribution(data)


def erase(event: Event) -> dict:
    comments = (
        Text.objects.filter(customer_id__in=event["customer_ids"]).exclude(comment="")
    ).update(comment="")
    return {"insight_comments": comments}
