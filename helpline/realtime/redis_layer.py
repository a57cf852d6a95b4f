"""The Redis channel layer's configuration (settings.CHANNEL_LAYERS with CHANNEL_LAYERS_URL).

channels-redis hands each host's options to redis-py's asyncio connection pool, one
connection per operation in flight. redis-py's pool now holds 100 connections unless told
otherwise (8.2: `max_connections or 100`) and raises `MaxConnectionsError` past them: two
hundred desk tabs opening at once (after a deploy; bench/realtime.py) failed with HTTP 500,
and pushes were lost. The cap here is Redis's own default limit of clients.
"""

MAX_CONNECTIONS = 10_000


def config(url: str, prefix: str) -> dict:
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": url, "max_connections": MAX_CONNECTIONS}],
            "prefix": prefix,
        },
    }
