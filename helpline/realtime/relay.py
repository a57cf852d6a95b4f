"""Pushes from another process when the channel layer is one process's memory.

Embedded (`helpline start` without Redis) the sockets live in the web server's memory,
while mail arrives in the worker. There a push is POSTed to the web server instead
(`HELPLINE_REALTIME_RELAY_URL`, which `helpline start` gives its children), signed with the
secret key; the server's view hands it to its own layer. Best effort, like every push:
a failure is logged and the pages catch up when they next ask.
"""

import json
import logging
import urllib.request
from urllib.parse import urlsplit

from channels.layers import InMemoryChannelLayer
from django.conf import settings
from django.core import signing
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

log = logging.getLogger(__name__)

SALT = "helpline.realtime.relay"
MAX_AGE_SECONDS = 60
TIMEOUT_SECONDS = 2
PATH = "/realtime/relay/"


def wanted() -> bool:
    """Whether a push from this process must go through the web server."""
    if not settings.HELPLINE_REALTIME_RELAY_URL:
        return False
    layer = import_string(settings.CHANNEL_LAYERS["default"]["BACKEND"])
    return issubclass(layer, InMemoryChannelLayer)


def relay(groups: list[str], message: dict) -> None:
    body = signing.dumps({"groups": groups, "message": message}, salt=SALT).encode()
    url = settings.HELPLINE_REALTIME_RELAY_URL.rstrip("/") + PATH
    # The site's own name as the Host, which ALLOWED_HOSTS lets in whatever else it holds.
    headers = {"Content-Type": "text/plain", "Host": urlsplit(settings.SITE_URL).netloc}
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except OSError:
        log.warning("could not relay a real-time push to %s", url, exc_info=True)


@csrf_exempt
@require_POST
def receive_relayed(request):
    """A push from another process of this Helpline (signed): sent to this process's layer."""
    from helpline.realtime import push

    try:
        data = signing.loads(request.body.decode(), salt=SALT, max_age=MAX_AGE_SECONDS)
        groups, message = list(data["groups"]), dict(data["message"])
    except (signing.BadSignature, UnicodeDecodeError, KeyError, TypeError, ValueError):
        return HttpResponseBadRequest("not a push of this Helpline")
    push.send(groups, message, relayed=True)
    return HttpResponse(json.dumps({"sent": len(groups)}), content_type="application/json")
