"""The relay: another process's push reaches the web server's layer only when signed with
this Helpline's secret key (the browser test, test_browser_live.py, relays for real)."""

import pytest
from django.core import signing
from django.test import Client

from helpline.realtime import relay

pytestmark = pytest.mark.django_db


def test_the_relay_takes_only_a_recent_push_signed_with_the_secret_key():
    client = Client()
    message = {"groups": ["helpline.location.1"], "message": {"type": "desk.event", "event": {}}}

    signed = signing.dumps(message, salt=relay.SALT)
    assert client.post(relay.PATH, signed, content_type="text/plain").status_code == 200

    forged = signing.dumps(message, key="not-our-secret-key", salt=relay.SALT)
    other_salt = signing.dumps(message)  # signed for something else
    for body in (forged, other_salt, "", "{}", signed[:-2]):
        response = client.post(relay.PATH, body, content_type="text/plain")
        assert response.status_code == 400, body
    assert client.get(relay.PATH).status_code == 405


def test_a_push_is_relayed_only_when_the_layer_is_the_web_servers_memory(settings):
    settings.HELPLINE_REALTIME_RELAY_URL = "http://127.0.0.1:8000"
    assert relay.wanted()  # the embedded default's layer
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}}
    assert not relay.wanted()
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert relay.wanted()
    settings.HELPLINE_REALTIME_RELAY_URL = ""
    assert not relay.wanted()
