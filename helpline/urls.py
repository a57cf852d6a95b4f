from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse

from helpline.api.api import api
from helpline.desk.views.account import SignOutView
from helpline.desk.views.attachments import download_attachment
from helpline.realtime.relay import receive_relayed


def _admin_sign_in(request, extra_context=None):
    """The admin signs in through the desk's sign-in, which asks for the second factor and is
    throttled and audited; the admin's own password-only form would get around all three."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"), "desk:sign-in")


def _admin_sign_out(request, extra_context=None):
    return SignOutView.as_view()(request)  # audited like the desk's


admin.site.login = _admin_sign_in  # type: ignore[method-assign]
admin.site.logout = _admin_sign_out  # type: ignore[method-assign]

urlpatterns = [
    path("", include("helpline.desk.urls")),
    # The public survey pages: the signed link is the credential, nobody signs in.
    path("", include("helpline.feedback.urls")),
    # The chat widget's script: any website loads it; its socket checks key and origin.
    path("", include("helpline.channels.chat.urls")),
    path("settings/", include("helpline.desk.views.settings")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Not under the desk namespace: API responses link here too, and a Bearer token works.
    path(
        "attachments/<int:attachment_id>/",
        download_attachment,
        name="attachment-download",
    ),
    # Another process's real-time push, signed (embedded, without Redis: realtime/relay.py).
    path("realtime/relay/", receive_relayed, name="realtime-relay"),
]

# A request parameter refused by helpline.core.params (and any other BadRequest): a desk page.
handler400 = "helpline.desk.views.errors.bad_request"
