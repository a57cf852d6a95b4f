"""One writer per server process for the visitors' messages (a group commit).

Every visitor's message is a transaction, and the database work of all sockets runs on one
thread (channels' `database_sync_to_async`). Taken one by one, a transaction's fixed cost
(locks, commit, the bus's deliveries) caps a process at a few dozen messages a second. The
writer stores the messages that arrived while it was busy in one transaction instead: idle,
a message goes at once, alone; busy, the queue of a few milliseconds goes together, so the
cost a message adds stays small as the load grows.

A visitor's socket waits for its answer before it reads its next frame, so each visitor's
messages keep their order. When a batch fails as a whole, its frames are handled again one
by one, so that one bad frame fails alone: as before the writer, its error closes its socket,
and the widget sends what was not acknowledged again when it reconnects.
"""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async

from helpline.channels.chat import visitor

MOST = 100  # frames in one transaction at most

log = logging.getLogger(__name__)


class MessageWriter:
    def __init__(self) -> None:
        self.waiting: list[tuple[visitor.Visit, dict, asyncio.Future]] = []
        self.draining: asyncio.Task | None = None

    async def write(self, visit: visitor.Visit, frame: dict) -> list[dict]:
        """The frames answering this ``message`` frame, once it is stored."""
        answered = asyncio.get_running_loop().create_future()
        self.waiting.append((visit, frame, answered))
        if self.draining is None:
            self.draining = asyncio.create_task(self._drain())
        return await answered

    async def _drain(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:MOST], self.waiting[MOST:]
                await self._write([(visit, frame) for visit, frame, _ in batch], batch)
        finally:
            self.draining = None

    async def _write(self, frames, batch) -> None:
        try:
            answers = await database_sync_to_async(visitor.handle_messages)(frames)
        except Exception as exc:
            if len(batch) == 1:
                if not batch[0][2].done():
                    batch[0][2].set_exception(exc)
                return
            log.exception("a batch of %d chat messages failed: one by one now", len(batch))
            for item in batch:
                await self._write([item[:2]], [item])
            return
        for (_, _, answered), answer in zip(batch, answers, strict=True):
            if not answered.done():  # its socket may have closed meanwhile
                answered.set_result(answer)


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MessageWriter]" = (
    weakref.WeakKeyDictionary()
)


def for_this_loop() -> MessageWriter:
    """The writer of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    if loop not in _writers:
        _writers[loop] = MessageWriter()
    return _writers[loop]
