"""Reading what customers write, after commit: a message or a survey comment is scored and
given a theme by a worker, never in the transaction that stored it.

Only a customer's own messages are wanted (kind normal, not logged by an agent): robots'
mail (auto-replies, bounces, bulk) is not the customer's voice.
"""

from helpline.conversations.models import MessageKind
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.insights import actions


def connect() -> None:
    phase = Phase.AFTER_COMMIT
    subscribe(EventName.MESSAGE_RECEIVED, read_message, phase=phase, when=_customer_wrote)
    subscribe(EventName.SURVEY_ANSWERED, read_survey_answer, phase=phase)
    # After the conversations app moved the conversations (it is installed before this one).
    subscribe(EventName.CUSTOMERS_MERGED, follow_merge, phase=Phase.IN_TRANSACTION)
    subscribe(EventName.CUSTOMERS_UNMERGED, follow_unmerge, phase=Phase.IN_TRANSACTION)


def _customer_wrote(payload: dict) -> bool:
    return payload.get("kind") == MessageKind.NORMAL and not payload.get("actor_id")


def read_message(event: Event) -> None:
    actions.analyse_message(event["message_id"])


def read_survey_answer(event: Event) -> None:
    actions.analyse_survey_answer(event.payload)


def follow_merge(event: Event) -> dict:
    return actions.follow_merged_customer(event["source_id"], event["target_id"])


def follow_unmerge(event: Event) -> None:
    actions.follow_unmerged_customer(event["source_id"], event["target_id"], event["merged"])
