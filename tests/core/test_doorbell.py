"""The worker's wake-ups, sent together (helpline/core/doorbell.py)."""

import os
import threading
import time

from helpline.core.doorbell import Doorbell


class Sent:
    def __init__(self):
        self.batches: list[list[int]] = []
        self.arrived = threading.Event()

    def __call__(self, ids: list[int]) -> None:
        self.batches.append(ids)
        self.arrived.set()

    def wait(self) -> list[list[int]]:
        assert self.arrived.wait(10), "nothing was sent"
        self.arrived.clear()
        return self.batches


def test_what_rings_within_the_window_goes_in_one_wake_up():
    sent = Sent()
    bell = Doorbell(sent, every=0.2)
    bell.ring([1])
    bell.ring([2, 3])
    assert sent.batches == []  # the committing thread never waits for the broker
    assert sent.wait() == [[1, 2, 3]]


def test_a_ring_after_a_wake_up_went_opens_a_new_window():
    sent = Sent()
    bell = Doorbell(sent, every=0.01)
    bell.ring([1])
    sent.wait()
    bell.ring([4])
    assert sent.wait() == [[1], [4]]


def test_a_forked_child_sends_its_own_rings_not_its_parents():
    sent = Sent()
    bell = Doorbell(sent, every=0.5)
    bell.ring([1])  # the parent's: still in its window when the child is forked
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            bell.ring([2])
            time.sleep(1)
            os.write(write, repr(sent.batches).encode())
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(child, 0)
    assert os.read(read, 1000).decode() == "[[2]]"
    assert sent.wait() == [[1]]
