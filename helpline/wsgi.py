"""The WSGI application that serves HTTP (in `helpline serve`'s uvicorn through
helpline.asgi, or in any WSGI server).

Its HEAD responses carry no body, whatever the server. Django answers HEAD with the GET
response, body included, and leaves dropping the body to the server; waitress (which
Helpline ran before) did not drop it. On a keep-alive connection that body is then read as
the start of the next response, so a client, or a reverse proxy that reuses its upstream
connections, is desynchronised. `without_head_bodies` wraps the application so that no
route can answer HEAD with a body: it keeps GET's headers, Content-Length included
(counted when the application gave none, so that the server neither chunks nor closes),
and sends no body.
"""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]

# Statuses that never have a body, so never a Content-Length to add (RFC 9110 §8.6).
_NO_BODY_STATUSES = ("1", "204", "304")


def without_head_bodies(app: WSGIApp) -> WSGIApp:
    def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "").upper() != "HEAD":
            return app(environ, start_response)

        response: dict[str, Any] = {}
        written = 0

        def write(data: bytes) -> None:  # PEP 3333's legacy write(): counted, not sent
            nonlocal written
            written += len(data)

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            # Nothing has been sent yet, so a later call (an error page) simply replaces it.
            response.update(status=status, headers=list(headers), exc_info=exc_info)
            return write

        body = app(environ, capture)
        try:
            if "status" not in response or not _has_length(response["headers"]):
                # The length is known only by producing the body (a stream, or an
                # application that calls start_response on the first chunk).
                for chunk in body:
                    written += len(chunk)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

        headers = response["headers"]
        if not _has_length(headers) and not response["status"].startswith(_NO_BODY_STATUSES):
            headers.append(("Content-Length", str(written)))
        start_response(response["status"], headers, response["exc_info"])
        return []

    return application


def _has_length(headers: list[tuple[str, str]]) -> bool:
    return any(name.lower() == "content-length" for name, _ in headers)


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
application = without_head_bodies(get_wsgi_application())
