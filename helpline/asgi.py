"""The ASGI application `helpline start` and `helpline serve` run: HTTP and WebSockets.

WebSockets (helpline.realtime.routing) pass the origin check first (the Origin header must
name one of ALLOWED_HOSTS, so another site's page cannot open a socket with the agent's
cookie), then the session: the consumer sees the signed-in person as `scope["user"]`.

HTTP goes to Django's WSGI application in a pool of threads (a2wsgi), one hop per request
and a streamed body both ways; Django's own ASGI handler hops to a thread for every
synchronous middleware and runs them all in one thread, which served the desk's pages at
less than half the rate (README, "Design notes").
"""

import asyncio
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi = get_asgi_application()  # sets Django up before the imports below

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from helpline.channels.chat.routing import websocket_urlpatterns as chat_urlpatterns  # noqa: E402
from helpline.realtime import push  # noqa: E402
from helpline.realtime.routing import websocket_urlpatterns  # noqa: E402
from helpline.wsgi import application as wsgi_application  # noqa: E402

# The chat widget's socket is opened by pages of other sites: no session, and the origin is
# checked against the widget's own allowed sites (helpline.channels.chat.consumers).
CHAT_SOCKETS = "/chat/ws/"


def build(threads: int):
    """The application, its HTTP served by `threads` threads."""
    if os.environ.get("HELPLINE_HTTP") == "asgi":  # for bench/servers.py's comparison only
        http = django_asgi
    else:
        http = WSGIMiddleware(wsgi_application, workers=threads)  # HEAD bodies dropped too
    desk_sockets = AllowedHostsOriginValidator(
        AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    )
    chat_sockets = URLRouter(chat_urlpatterns)

    async def sockets(scope, receive, send):
        chosen = chat_sockets if scope["path"].startswith(CHAT_SOCKETS) else desk_sockets
        return await chosen(scope, receive, send)

    router = ProtocolTypeRouter({"http": http, "websocket": sockets})

    async def application(scope, receive, send):
        """The router, after noting the server's loop (pushes from request threads go to it)."""
        loop = asyncio.get_running_loop()
        if push._server_loop is not loop:
            push.serving_on(loop)
        if scope["type"] == "lifespan":  # nothing to set up or tear down
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
            if message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
            return
        await router(scope, receive, send)

    return application


# `helpline serve --threads` sets it (8 for any other ASGI server).
application = build(int(os.environ.get("HELPLINE_WEB_THREADS") or 8))
