"""The sockets: a base for a signed-in person's socket, and the desk's socket.

`SignedInConsumer` takes the person from the Django session (channels'
`AuthMiddlewareStack`, routing.py) and refuses anyone not fully signed in: no session, an
inactive account, or someone who must still set up two-factor sign-in. While the socket is
open it checks again every `HELPLINE_REALTIME_RECHECK_SECONDS`, and at once when an admin
changes the person (`user.updated`), that the session is still signed in, and joins the
groups the person should be in now; a sign-out of its session closes it. Subclasses say
which groups (`groups_for`) and handle their messages.
"""

import asyncio
import contextlib
import json
from importlib import import_module

from channels.auth import get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.http import Http404

from helpline.access import get_conversation_for
from helpline.core import twofactor
from helpline.core.models import User
from helpline.core.params import MAX_ID
from helpline.core.sockets import JsonSocket
from helpline.realtime import groups, presence

# Close codes (4000-4999 are the application's): the page stops retrying after these.
SIGNED_OUT = 4401


class SignedInConsumer(JsonSocket):
    user: User
    joined: set[str]

    async def connect(self) -> None:
        user = await self._signed_in(self.scope.get("session"))
        if user is None:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.user = user
        self.joined = set()
        await self._join(await database_sync_to_async(self.groups_for)(user))
        await self.accept()
        self._rechecking = asyncio.create_task(self._recheck_every())

    async def disconnect(self, code: int) -> None:
        task = getattr(self, "_rechecking", None)
        if task is not None:
            task.cancel()
        for group in getattr(self, "joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    def groups_for(self, user: User) -> set[str]:
        """The groups this socket is in (runs in a thread: it may query)."""
        return {groups.person(user.pk)}

    @classmethod
    async def decode_json(cls, text_data):
        """What the page sent; None for what is not JSON (ignored, the socket stays open)."""
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def person_changed(self, message: dict) -> None:
        """An admin changed this person (role, locations, account): check again now, and tell
        the page, which may now see more or less."""
        if await self.recheck():
            await self.send_json({"event": "scope.changed"})

    async def session_ended(self, message: dict) -> None:
        """The person signed out somewhere: this socket closes if it was its session."""
        session = self.scope.get("session")
        if session is not None and session.session_key == message.get("session_key"):
            await self.close(code=SIGNED_OUT)

    async def recheck(self) -> bool:
        """Still signed in? Then join the groups of now; otherwise close. True if still open."""
        session = self.scope.get("session")
        fresh = None
        if session is not None and session.session_key:
            engine = import_module(settings.SESSION_ENGINE)
            fresh = engine.SessionStore(session.session_key)
        user = await self._signed_in(fresh)
        if user is None or user.pk != self.user.pk:
            await self.close(code=SIGNED_OUT)
            return False
        self.user = user
        await self._join(await database_sync_to_async(self.groups_for)(user))
        return True

    async def _recheck_every(self) -> None:
        while True:
            await asyncio.sleep(settings.HELPLINE_REALTIME_RECHECK_SECONDS)
            with contextlib.suppress(Exception):
                if not await self.recheck():
                    return

    async def _join(self, wanted: set[str]) -> None:
        for group in self.joined - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in wanted:  # again too: a membership of the layer expires after a day
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined = wanted

    async def _signed_in(self, session) -> User | None:
        if session is None:
            return None
        user = await get_user({"session": session})
        if not user.is_authenticated or not user.is_active:
            return None
        verified = await database_sync_to_async(session.get)(twofactor.SESSION_VERIFIED)
        if not verified and await database_sync_to_async(twofactor.must_enrol)(user):
            return None
        return user


class DeskConsumer(SignedInConsumer):
    """One per desk tab: the events of every conversation the agent may see, and presence.

    Each event is checked against the agent's locations once more before it is sent (a
    location taken away reaches the groups at the next recheck). The page says which
    conversation it shows ({"type": "presence", "conversation_id", "typing"}, every few
    seconds); the roster is pushed to the conversation's groups when it changes, and the
    agent leaves it when the socket closes.
    """

    served: frozenset[int] = frozenset()

    def groups_for(self, user: User) -> set[str]:
        # Read here, in a thread: the event handler below runs in the loop, where no query may.
        self.served = frozenset(user.location_ids())
        return groups.for_user(user)

    async def recheck(self) -> bool:
        if not await super().recheck():
            return False
        # Presence only for the conversations the agent may still see.
        located = getattr(self, "located", {})
        self.located = {
            conversation_id: location_id
            for conversation_id, location_id in located.items()
            if self.user.sees_everything or location_id in self.served
        }
        return True

    async def desk_event(self, message: dict) -> None:
        if self._may_see(message["event"]):
            await self.send_json(message["event"])

    async def desk_events(self, message: dict) -> None:
        """Several events of one commit: one frame, an array, of those this agent may see."""
        events = [event for event in message["events"] if self._may_see(event)]
        if events:
            await self.send_json(events)

    def _may_see(self, event: dict) -> bool:
        return self.user.sees_everything or event.get("location_id") in self.served  # serves

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "ping":
            await self.send_json({"event": "pong"})
        elif content.get("type") == "presence":
            conversation_id = content.get("conversation_id")
            if type(conversation_id) is int and 0 < conversation_id <= MAX_ID:
                await self.beat(conversation_id, typing=content.get("typing") is True)

    async def beat(self, conversation_id: int, *, typing: bool) -> None:
        located = getattr(self, "located", {})
        self.located = located
        first = conversation_id not in located
        if first:
            location = await database_sync_to_async(_location_seen)(self.user, conversation_id)
            if location is NOT_SEEN:
                return
            located[conversation_id] = location
        roster, changed = await database_sync_to_async(_beat)(conversation_id, self.user, typing)
        if changed:
            await self._tell(conversation_id, roster)
        elif first:  # nothing new for the others, but this page has not heard it yet
            await self.send_json(self._event(conversation_id, roster))

    async def disconnect(self, code: int) -> None:
        for conversation_id in getattr(self, "located", {}):
            roster = await database_sync_to_async(_leave)(conversation_id, self.user)
            await self._tell(conversation_id, roster)
        await super().disconnect(code)

    def _event(self, conversation_id: int, roster: list[dict]) -> dict:
        return {
            "event": "presence",
            "conversation_id": conversation_id,
            "location_id": self.located[conversation_id],
            "present": roster,
        }

    async def _tell(self, conversation_id: int, roster: list[dict]) -> None:
        event = self._event(conversation_id, roster)
        for group in groups.of_conversation(event["location_id"]):
            await self.channel_layer.group_send(group, {"type": "desk.event", "event": event})


NOT_SEEN = object()


def _location_seen(user: User, conversation_id: int):
    """The conversation's location if the user may see it; NOT_SEEN otherwise."""
    try:
        return get_conversation_for(user, conversation_id).location_id
    except Http404:
        return NOT_SEEN


def _beat(conversation_id: int, user: User, typing: bool) -> tuple[list[dict], bool]:
    """Record the beat: the roster, and whether it changed (someone came, left or typed)."""
    before = [p.as_pushed() for p in presence.everyone(conversation_id)]
    presence.beat(conversation_id, user, typing=typing)
    after = [p.as_pushed() for p in presence.everyone(conversation_id)]
    return after, after != before


def _leave(conversation_id: int, user: User) -> list[dict]:
    presence.leave(conversation_id, user)
    return [p.as_pushed() for p in presence.everyone(conversation_id)]
