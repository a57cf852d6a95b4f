from django.contrib import admin
from django.urls import include, path

from helpline.api.api import api
from helpline.desk.views.attachments import download_attachment

urlpatterns = [
    path("", include("helpline.desk.urls")),
    path("settings/", include("helpline.desk.views.settings")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Not under the desk namespace: API responses link here too, and a Bearer token works.
    path(
        "attachments/<int:attachment_id>/",
        download_attachment,
        name="attachment-download",
    ),
]

# A request parameter refused by helpline.core.params (and any other BadRequest): a desk page.
handler400 = "helpline.desk.views.errors.bad_request"
