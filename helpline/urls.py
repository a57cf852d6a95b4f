from django.contrib import admin
from django.urls import include, path

from helpline.api.api import api
from helpline.conversations.views import download_attachment

urlpatterns = [
    path("", include("helpline.desk.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path(
        "attachments/<int:attachment_id>/",
        download_attachment,
        name="attachment-download",
    ),
]
