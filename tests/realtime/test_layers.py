"""The channel layers: the embedded default's (realtime/layers.py), Channels' in-memory layer
with its sweep for expired messages run at most once a second, not on every send and
receive; and Redis's as configured (realtime/redis_layer.py)."""

import asyncio
import os
import time
import uuid

import pytest

from helpline.realtime import redis_layer
from helpline.realtime.layers import SWEEP_EVERY, InMemoryLayer
from tests.realtime.loop import run


def test_a_group_send_reaches_each_member_once_and_nobody_else():
    async def scenario():
        layer = InMemoryLayer()
        a, b, outsider = [await layer.new_channel() for _ in range(3)]
        await layer.group_add("location.1", a)
        await layer.group_add("location.1", b)
        await layer.group_add("location.2", outsider)
        await layer.group_send("location.1", {"type": "desk.event", "n": 1})
        got = [await layer.receive(a), await layer.receive(b)]
        assert layer.channels.get(outsider) is None  # nothing waits for the outsider
        return got

    assert run(scenario) == [{"type": "desk.event", "n": 1}] * 2


def test_an_unread_message_still_expires_and_its_channel_leaves_its_groups():
    async def scenario():
        layer = InMemoryLayer(expiry=0.05)
        gone, reading = await layer.new_channel(), await layer.new_channel()
        for channel in (gone, reading):
            await layer.group_add("location.1", channel)
        await layer.group_send("location.1", {"type": "desk.event", "n": 1})
        await layer.receive(reading)
        await asyncio.sleep(0.1)  # expired now, but swept less than a second ago: kept
        await layer.group_send("location.2", {"type": "desk.event", "n": 2})
        kept = gone in layer.groups["location.1"]
        layer.swept_at = time.monotonic() - SWEEP_EVERY  # a second later
        await layer.group_send("location.2", {"type": "desk.event", "n": 3})
        return kept, set(layer.groups["location.1"]), reading

    kept, members, reading = run(scenario)
    assert kept
    assert members == {reading}


@pytest.mark.redis
def test_the_redis_layer_takes_hundreds_of_sockets_joining_at_once():
    """Two hundred desk tabs opening together (after a deploy): none refused for want of a
    connection to Redis (redis-py's pool holds 100 unless told otherwise), and a burst of
    events for them all is not dropped (the layer's capacity counts a process's sockets
    together)."""
    from channels_redis.core import RedisChannelLayer

    url = os.environ.get("TEST_CHANNEL_LAYERS_URL", "redis://127.0.0.1:6379/13")
    burst = 150
    layer = RedisChannelLayer(**redis_layer.config(url, f"test-{uuid.uuid4().hex[:12]}")["CONFIG"])

    async def scenario():
        tabs = [await layer.new_channel() for _ in range(200)]
        await asyncio.gather(*(layer.group_add("location.1", tab) for tab in tabs))
        for n in range(burst):  # before this process reads any
            await layer.group_send("location.1", {"type": "desk.event", "n": n})

        async def read(tab):
            return [(await layer.receive(tab))["n"] for _ in range(burst)]

        got = await asyncio.wait_for(asyncio.gather(*(read(tab) for tab in tabs)), 30)
        await layer.flush()
        return got

    assert run(scenario) == [list(range(burst))] * 200
