"""The chat channel's WebSocket routes, added to the server's router."""

from django.urls import path

from helpline.channels.chat.consumers import VisitorConsumer

websocket_urlpatterns = [
    path("chat/ws/", VisitorConsumer.as_asgi()),
]
