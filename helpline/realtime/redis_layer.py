"""The Redis channel layer's configuration (settings.CHANNEL_LAYERS with CHANNEL_LAYERS_URL).

channels-redis hands each host's options to redis-py's asyncio connection pool, one
connection per operation in flight. redis-py's pool now holds 100 connections unless told
otherwise (8.2: `max_connections or 100`) and raises `MaxConnectionsError` past them: two
hundred desk tabs opening at once (after a deploy; bench/realtime.py) failed with HTTP 500,
and pushes were lost. The cap here is Redis's own default limit of clients.

A process's sockets share one list in Redis ("specific" channels), and the layer's
`capacity` (100 by default) counts the messages waiting in it for all of the process's
sockets together (a group send is one). A burst of new chats while the process's loop was
busy filled it, and pushes were dropped (bench/chat.py, two processes: 116 to 246 messages
reached no agent). Messages still expire after a minute unread, which bounds the list.
"""

MAX_CONNECTIONS = 10_000
CAPACITY = 100_000  # messages waiting for one process's sockets


def config(url: str, prefix: str) -> dict:
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": url, "max_connections": MAX_CONNECTIONS}],
            "prefix": prefix,
            "capacity": CAPACITY,
        },
    }
