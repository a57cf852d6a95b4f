"""Sending to the channel layer from synchronous code: an on-commit hook of the bus.

In the web server's process the push is handed to the server's event loop and not waited
for (the request goes on); anywhere else (the worker, a command) it is sent at once. A push
is best effort: a page that missed one catches up over HTTP.
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None


def serving_on(loop: asyncio.AbstractEventLoop) -> None:
    """The ASGI application runs on this loop: pushes from its threads are handed to it."""
    global _server_loop
    _server_loop = loop


def send(groups: list[str], message: dict) -> None:
    """`message` (a dict with a "type") to every consumer in `groups`."""
    layer = get_channel_layer()
    if layer is None:
        return

    async def fan_out() -> None:
        for group in groups:
            await layer.group_send(group, message)

    loop = _server_loop
    if loop is not None and loop.is_running() and not loop.is_closed():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            task = loop.create_task(fan_out())
        else:
            future = asyncio.run_coroutine_threadsafe(fan_out(), loop)
            future.add_done_callback(_log_failure)
            return
        task.add_done_callback(_log_failure)
        return
    async_to_sync(fan_out)()


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("a real-time push failed", exc_info=future.exception())
