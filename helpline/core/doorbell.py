"""Wake-ups for the worker, sent together: at most one per short window in a process.

Each wake-up is a task put on the broker, and a put costs about a millisecond of the
caller's thread on the embedded broker (kombu's ORM insert and its commit). A busy chat
server commits many small transactions a second, and put one wake-up after each: a tenth of
its time (bench/README.md, chat). What is rung within `every` seconds of the first ring goes
with it in one task, from a timer thread, so the committing thread never waits for the
broker. The wake-ups' work is background work (rollups, reading the message, mail), and the
database's rows say what is due: a wake-up lost with its process (a kill before the window
ends) is taken by beat's sweep.
"""

import os
import threading
from collections.abc import Callable


class Doorbell:
    def __init__(self, send: Callable[[list[int]], None], *, every: float):
        self.send = send
        self.every = every
        self._lock = threading.Lock()
        self._pending: list[int] = []
        os.register_at_fork(after_in_child=self._forget)  # the parent's timer is not ours

    def ring(self, ids: list[int]) -> None:
        with self._lock:
            first = not self._pending
            self._pending.extend(ids)
        if first:
            # Not a daemon: a command that ends within the window still sends its wake-up.
            timer = threading.Timer(self.every, self._send_pending)
            timer.name = "helpline-doorbell"
            timer.start()

    def _send_pending(self) -> None:
        with self._lock:
            ids, self._pending = self._pending, []
        if ids:
            self.send(ids)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._pending = []
