"""The ASGI application `helpline start` and `helpline serve` run: HTTP and WebSockets.

HTTP is Django's own ASGI handler. WebSockets (helpline.realtime.routing) pass the origin
check first (the Origin header must name one of ALLOWED_HOSTS, so another site's page
cannot open a socket with the agent's cookie), then the session: the consumer sees the
signed-in person as `scope["user"]`.
"""

import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
django_application = get_asgi_application()  # sets Django up before the imports below

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from helpline.channels.chat.routing import websocket_urlpatterns as chat_urlpatterns  # noqa: E402
from helpline.realtime import push  # noqa: E402
from helpline.realtime.routing import websocket_urlpatterns  # noqa: E402

desk_sockets = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
# The chat widget's socket is opened by pages of other sites: no session, and the origin is
# checked against the widget's own allowed sites (helpline.channels.chat.consumers).
chat_sockets = URLRouter(chat_urlpatterns)


async def websockets(scope, receive, send):
    sockets = chat_sockets if scope["path"].startswith("/chat/ws/") else desk_sockets
    return await sockets(scope, receive, send)


router = ProtocolTypeRouter({"http": django_application, "websocket": websockets})


async def application(scope, receive, send):
    """The router, after noting the server's loop (pushes from request threads go to it)."""
    if push._server_loop is not asyncio.get_running_loop():
        push.serving_on(asyncio.get_running_loop())
    if scope["type"] == "lifespan":  # nothing to set up or tear down
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
        if message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
        return
    await router(scope, receive, send)
