from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from helpline.api.api import api
from helpline.conversations.views import download_attachment

urlpatterns = [
    # Until the desk has its own pages, the admin is where people land.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path(
        "attachments/<int:attachment_id>/",
        download_attachment,
        name="attachment-download",
    ),
]
