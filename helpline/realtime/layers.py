"""The embedded default's channel layer: Channels' in-memory layer, made to scale with the
number of sockets.

Channels' `InMemoryChannelLayer` looks through every channel and every group for expired
messages on each `receive` and each `group_send`. One event to a location's 50 desk sockets
then costs 50 such sweeps over a thousand chat sockets' channels and groups: the work grows
with the square of the sockets, and a process with a thousand chats open spends its time
sweeping. Here the sweep runs at most once a second, which keeps its purpose (a message
nobody reads expires, and its channel leaves its groups, within a second of its expiry).

A group's message is also copied once, not once per member, and put in each member's queue
in place rather than by a task per member: the consumers only read what they are sent (as
over Redis, where each gets its own decoded copy, no consumer may change it).
"""

import asyncio
import time
from contextlib import suppress
from copy import deepcopy

from channels.layers import InMemoryChannelLayer

SWEEP_EVERY = 1.0  # seconds


class InMemoryLayer(InMemoryChannelLayer):
    swept_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self.swept_at >= SWEEP_EVERY:
            self.swept_at = now
            super()._clean_expired()

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        members = list(self.groups.get(group, ()))
        if not members:
            return
        shared = (time.time() + self.expiry, deepcopy(message))
        for channel in members:
            queue = self.channels.get(channel)
            if queue is None:
                queue = self.channels[channel] = asyncio.Queue(self.get_capacity(channel))
            with suppress(asyncio.QueueFull):  # as Channels' own: a full channel misses it
                queue.put_nowait(shared)
