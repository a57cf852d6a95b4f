"""The chat widget's public route (no sign-in); its socket is in routing.py."""

from django.urls import path

from helpline.channels.chat import views

app_name = "chat"

urlpatterns = [
    path("chat/widget.js", views.widget_js, name="widget-js"),
    path("chat/upload/", views.upload, name="upload"),
]
