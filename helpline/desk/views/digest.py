"""The weekly digest's switch on the person's own settings page (helpline.reports.digest)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from helpline.reports import actions


@login_required
@require_POST
def digest_setting(request):
    wanted = request.POST.get("wanted")
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest("wanted: say 1 (send me the weekly digest) or 0 (do not)")
    actions.set_digest(request.user, wanted == "1")
    if wanted == "1":
        messages.success(request, "You will get the weekly digest on Monday mornings.")
    else:
        messages.success(request, "You will not get the weekly digest any more.")
    return redirect("desk:my-settings")


urlpatterns = [path("me/digest/", digest_setting, name="digest-setting")]
