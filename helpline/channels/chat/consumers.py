"""The widget's WebSocket: /chat/ws/?key=…&token=…

The handshake is refused (HTTP 403) for an unknown key, an origin the widget does not allow
(the browser's Origin header), a forged or altered visitor token, and an address with too
many connections open. Each frame is handled by `visitor.handle` in a thread; its messages by
the process's writer (writer.py), which stores those that arrive together at once.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from helpline.channels.chat import limits, live, visitor, writer
from helpline.core.sockets import JsonSocket

MAX_FRAME = 64 * 1024  # one frame: 4,000 characters, even each escaped as \uXXXX, and more


class VisitorConsumer(JsonSocket):
    visit: visitor.Visit | None = None
    address = ""

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        key = query.get("key", [""])[0]
        token = query.get("token", [""])[0]
        headers = dict(self.scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin-1")
        address = limits.socket_address(self.scope)
        if not await database_sync_to_async(limits.connection_opened)(address):
            await self.close()
            return
        self.address = address
        try:
            self.visit = await database_sync_to_async(visitor.open_visit)(key, origin, token)
        except visitor.Refused:
            self.address = ""  # counted down now: a refused handshake may see no disconnect
            await database_sync_to_async(limits.connection_closed)(address)
            await self.close()
            return
        await self.channel_layer.group_add(
            live.visitor_group(self.visit.visitor), self.channel_name
        )
        await self.accept()
        since = query.get("since", ["0"])[0]
        welcome = await database_sync_to_async(visitor.welcome)(
            self.visit, int(since) if since.isdigit() and since.isascii() else 0
        )
        await self.send_json(welcome)

    async def disconnect(self, code):
        if self.visit is not None:
            await self.channel_layer.group_discard(
                live.visitor_group(self.visit.visitor), self.channel_name
            )
        if self.address:
            await database_sync_to_async(limits.connection_closed)(self.address)
            self.address = ""

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None or len(text_data) > MAX_FRAME:
            await self.send_json({"type": "error", "field": "text", "error": "message too long"})
            return
        try:
            await super().receive(text_data=text_data, **kwargs)
        except ValueError:  # not JSON
            await self.send_json({"type": "error", "field": "type", "error": "not a JSON frame"})

    async def receive_json(self, content, **kwargs):
        if self.visit is None or not isinstance(content, dict):
            return
        if content.get("type") == "typing":
            await self.typing(bool(content.get("typing")))
            return
        if content.get("type") == "message":
            for frame in await writer.for_this_loop().write(self.visit, content):
                await self.send_json(frame)
            return
        for frame in await database_sync_to_async(visitor.handle)(self.visit, content):
            await self.send_json(frame)

    async def typing(self, typing: bool) -> None:
        """Passed to the desk (see live.visitor_typing)."""
        if self.visit is not None and not self.visit.blocked:
            await database_sync_to_async(live.visitor_typing)(self.visit.visitor, typing)

    # Group events ------------------------------------------------------------------------

    async def chat_message(self, event):
        await self.send_json({"type": "message", "message": event["message"]})

    async def chat_state(self, event):
        await self.send_json({"type": "state", "chat": event["state"]})

    async def chat_typing(self, event):
        await self.send_json({"type": "typing", "name": event["name"], "typing": event["typing"]})

    async def chat_close(self, event):
        """The server drops the visitor's sockets (their widgets reconnect by themselves)."""
        await self.close()
