"""The widget's script, for any website: /chat/widget.js?key=…

The script is the same for every key (it reads its key from its own URL); the key and the
origin are checked when the widget opens its socket (consumers.py).
"""

from functools import cache
from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

SCRIPT = Path(__file__).parent / "static" / "chat" / "widget.js"


@cache
def _script() -> bytes:
    return SCRIPT.read_bytes()


@require_http_methods(["GET", "HEAD"])
def widget_js(request):
    response = HttpResponse(_script(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    # Any site may load the script; only allowed origins may open a chat with it.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
