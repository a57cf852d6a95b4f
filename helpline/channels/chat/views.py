"""The widget's script, for any website: /chat/widget.js?key=…

The script is the same for every key (it reads its key from its own URL); the key and the
origin are checked when the widget opens its socket (consumers.py).
"""

from functools import cache
from pathlib import Path

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from helpline.channels.chat import actions, limits, visitor
from helpline.core.errors import ActionError

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


@csrf_exempt  # no cookie is involved: the visitor's signed token is the credential
@require_POST
def upload(request):
    """A file from the widget (multipart: file, id; query: key, token). The widget's page is on
    another site: it is answered with CORS for that page's origin only when the widget allows
    it, and the handshake's checks apply (key, origin, token)."""
    origin = request.headers.get("Origin", "")
    try:
        visit = visitor.open_visit(
            request.GET.get("key", ""), origin, request.GET.get("token", "") or "-"
        )
    except visitor.Refused:
        return JsonResponse({"error": "refused"}, status=403)
    response = _upload(request, visit)
    response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def _upload(request, visit) -> JsonResponse:
    session = None if visit.blocked else visitor.current_session(visit)
    file = request.FILES.get("file")
    if session is None or visit.blocked:
        return JsonResponse(
            {"field": "file", "error": "start the chat with a message first"}, status=400
        )
    if file is None:
        return JsonResponse({"field": "file", "error": "choose a file"}, status=400)
    if not limits.message_allowed(visit.visitor):
        return JsonResponse(
            {"field": "file", "error": "slow down: too many messages a minute"}, status=429
        )
    limit = actions.outgoing.attachment_limit(session.widget.mailbox)
    if file.size > limit:
        return JsonResponse({"field": "file", "error": "the file is too large"}, status=400)
    try:
        message = actions.visitor_sends_file(
            session, file.name, file.read(), client_id=request.POST.get("id", "")
        )
    except ActionError as exc:
        return JsonResponse({"field": exc.field, "error": str(exc)}, status=400)
    return JsonResponse({"message": visitor.live.message_json(message)})
