"""Hears every internal note after commit: tags the conversation `heard-<note id>` (once, however
often it runs) and writes a line per run to `BUS_PROBE_LOG`. With `BUS_PROBE_STALL` naming a
file that does not exist yet, the first run creates it and stalls, to be killed."""

import os
import time
from pathlib import Path

from helpline.conversations.models import Conversation, Tag
from helpline.core.events import Event, EventName, Phase, subscribe


def connect() -> None:
    subscribe(EventName.NOTE_ADDED, hear_note, phase=Phase.AFTER_COMMIT)


def hear_note(event: Event) -> None:
    with open(os.environ["BUS_PROBE_LOG"], "a") as log:
        log.write(f"{event.delivery_id} {event['message_id']} pid={os.getpid()}\n")
    stall = os.environ.get("BUS_PROBE_STALL")
    tag, _ = Tag.objects.get_or_create(name=f"heard-{event['message_id']}")
    Conversation.objects.get(pk=event["conversation_id"]).tags.add(tag)
    if stall and not Path(stall).exists():
        Path(stall).touch()
        time.sleep(120)  # killed here: the tag above must not commit
