"""The bus's conversation events, pushed to the desk's sockets on commit.

Best effort, in the publishing process (core.events, Phase.ON_COMMIT): a push is not worth
storing, since a page that missed one catches up over HTTP. One query per publish reads
where each conversation is now (its location, assignee and status), and the events of one
publish go to each location's sockets as one push (`desk.events`).
"""

from django.contrib.auth.signals import user_logged_out

from helpline.conversations.models import Conversation
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.realtime import groups, push

# What changes a conversation as the desk shows it.
PUSHED = [
    EventName.MESSAGE_RECEIVED,
    EventName.MESSAGE_SENT,
    EventName.NOTE_ADDED,
    EventName.MESSAGE_UNDELIVERED,
    EventName.CONVERSATION_OPENED,
    EventName.CONVERSATION_ASSIGNED,
    EventName.CONVERSATION_STATUS_CHANGED,
    EventName.CONVERSATION_PRIORITY_CHANGED,
    EventName.CONVERSATION_RENAMED,
    EventName.CONVERSATION_TAGGED,
]
# The payload's small fields a socket may carry, when the event has them.
CARRIED = ("message_id", "actor_id", "new_conversation", "kind", "channel", "before", "after")


def connect() -> None:
    user_logged_out.connect(session_ended, dispatch_uid="helpline.realtime.session_ended")
    subscribe(EventName.USER_UPDATED, person_changed, phase=Phase.ON_COMMIT)
    for name in PUSHED:
        subscribe(name, push_events, phase=Phase.ON_COMMIT, many=True)


def push_events(events: list[Event]) -> None:
    ids = {event["conversation_id"] for event in events}
    now = {
        row["pk"]: row
        for row in Conversation.objects.filter(pk__in=ids).values(
            "pk", "location_id", "assignee_id", "status"
        )
    }
    # One push per location for all of them: a batch of chat messages is one frame per desk
    # socket, not one per message (bench/chat.py).
    by_location: dict[int | None, list[dict]] = {}
    for event in events:
        conversation = now.get(event["conversation_id"])
        if conversation is None:  # deleted since
            continue
        body = desk_message(event, conversation)["event"]
        by_location.setdefault(conversation["location_id"], []).append(body)
    for location_id, bodies in by_location.items():
        where = groups.of_conversation(location_id)
        if len(bodies) == 1:
            push.send(where, {"type": "desk.event", "event": bodies[0]})
        else:
            push.send(where, {"type": "desk.events", "events": bodies})


def desk_message(event: Event, conversation: dict) -> dict:
    """The channel-layer message of one event: ids and small fields only."""
    body = {
        "event": str(event.name),
        "conversation_id": conversation["pk"],
        "location_id": conversation["location_id"],
        "assignee_id": conversation["assignee_id"],
        "status": conversation["status"],
    }
    for field in CARRIED:
        value = event.get(field)
        if isinstance(value, int | str | bool) or value is None and field in event.payload:
            body[field] = value
    if event.name == EventName.CONVERSATION_ASSIGNED:  # before and after name two ids each
        body["assignee_before"] = (event.get("before") or {}).get("assignee")
    return {"type": "desk.event", "event": body}


def person_changed(event: Event) -> None:
    """A person's role, locations or account changed: their sockets check again at once
    (join the groups of now, or close when they may no longer sign in)."""
    push.send([groups.person(event["user_id"])], {"type": "person.changed"})


def session_ended(sender, request, user, **kwargs) -> None:
    """A sign-out: the sockets of that session close."""
    session = getattr(request, "session", None)
    if user is not None and session is not None and session.session_key:
        message = {"type": "session.ended", "session_key": session.session_key}
        push.send([groups.person(user.pk)], message)
