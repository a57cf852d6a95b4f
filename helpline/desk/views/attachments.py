"""Private attachment downloads: only for an agent who may see the conversation.

Files never sit under a public URL. Whatever a customer sent is served so that
a browser cannot run it: only a few inert types may be shown inline, anything
else is an opaque download, and the response forbids sniffing and scripts.
"""

import re
from urllib.parse import quote

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from helpline.conversations.models import Attachment, Conversation
from helpline.core.tokens import user_from_authorization_header

# Types a browser renders without running anything. Never SVG or HTML (scripts).
INLINE_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
}
SAFE_CHARSET = re.compile(r"^[A-Za-z0-9_.:\-]{1,40}$")


def _agent(request):
    if request.user.is_authenticated and request.user.is_active:
        return request.user
    return user_from_authorization_header(request)


def _content_type(declared: str) -> str:
    """The type to serve: a safe inline type as declared, or an opaque download."""
    mime, _, params = declared.partition(";")
    mime = mime.strip().lower()
    if mime not in INLINE_TYPES:
        return "application/octet-stream"
    if mime == "text/plain":
        charset = ""
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                charset = value.strip().strip('"')
        return f"text/plain; charset={charset if SAFE_CHARSET.match(charset) else 'utf-8'}"
    return mime


def content_disposition(kind: str, filename: str) -> str:
    """`attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266)."""
    fallback = re.sub(r"[^A-Za-z0-9._\- ]", "_", filename).strip(" .") or "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@require_safe
def download_attachment(request, attachment_id: int):
    agent = _agent(request)
    if agent is None:
        raise Http404("No such attachment")
    visible = Conversation.objects.visible_to(agent).values("pk")
    attachment = (
        Attachment.objects.filter(pk=attachment_id, message__conversation__in=visible)
        .only("file", "filename", "content_type")
        .first()
    )
    if attachment is None or not attachment.file:
        raise Http404("No such attachment")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("No such attachment") from None

    content_type = _content_type(attachment.content_type)
    inline = content_type != "application/octet-stream" and "download" not in request.GET
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", attachment.filename or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["Vary"] = "Cookie, Authorization"
    return response
