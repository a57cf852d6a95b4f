"""The WebSocket routes, mounted by helpline.asgi behind the session and origin checks."""

from django.urls import path

from helpline.realtime.consumers import DeskConsumer

websocket_urlpatterns = [
    path("ws/desk/", DeskConsumer.as_asgi()),
]
