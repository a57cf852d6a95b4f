"""Sending to the channel layer from synchronous code: an on-commit hook of the bus.

In the web server's process the push is handed to the server's event loop and not waited
for (the request goes on); anywhere else (the worker, a command) it goes through a loop of
the process's own, in a thread, or is relayed to the web server when the layer is its
memory (relay.py). A push is best effort: a
page that missed one catches up over HTTP.
"""

import asyncio
import logging
import threading

from channels.layers import get_channel_layer

from helpline.realtime import relay

log = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None


def serving_on(loop: asyncio.AbstractEventLoop) -> None:
    """The ASGI application runs on this loop: pushes from its threads are handed to it."""
    global _server_loop
    _server_loop = loop


def send(groups: list[str], message: dict, *, relayed: bool = False) -> None:
    """`message` (a dict with a "type") to every consumer in `groups`."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    serving = loop is not None and loop.is_running()
    if not serving and not relayed and relay.wanted():
        relay.relay(groups, message)  # the sockets are in the web server's memory
        return

    async def fan_out() -> None:
        for group in groups:
            await layer.group_send(group, message)

    if loop is None or not serving:
        loop = _pusher()  # not the web server (the worker, a command)
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:  # in the server's loop itself
        loop.create_task(fan_out()).add_done_callback(_log_failure)
    else:  # from another thread (a request's): handed over, not waited for
        asyncio.run_coroutine_threadsafe(fan_out(), loop).add_done_callback(_log_failure)


_pusher_loop: asyncio.AbstractEventLoop | None = None
_pusher_lock = threading.Lock()


def _pusher() -> asyncio.AbstractEventLoop:
    """A loop of this process's own, in a thread, for pushes from outside a web server: one
    connection to the layer for them all, and no loop needed in the caller's thread."""
    global _pusher_loop
    with _pusher_lock:
        if _pusher_loop is None:
            _pusher_loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=_pusher_loop.run_forever, name="helpline-realtime-push", daemon=True
            )
            thread.start()
        return _pusher_loop


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("a real-time push failed", exc_info=future.exception())
