"""The base of every WebSocket consumer of Helpline's.

Channels (since 4.2) closes stale database connections before each message a consumer
handles, with a hop to the one database thread. A desk socket handles every event of its
locations, none of which touches the database: at a thousand chats, the hops of fifty desk
sockets queued thousands of jobs a second ahead of the chats' own writes (bench/chat.py).
Here a handler is dispatched without that hop; what does query goes through
`database_sync_to_async`, which closes stale connections around each call itself.
"""

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class JsonSocket(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message: dict) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
