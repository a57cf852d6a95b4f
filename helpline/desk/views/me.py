"""The signed-in person's own settings: for now, the time zone every page shows times in."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from helpline.core import actions
from helpline.core.errors import ActionError
from helpline.core.models import time_zone_names
from helpline.desk.forms import refuse


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(label="Show times in", required=False)

    def __init__(self, *args, automatic: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", f"Automatic: {automatic}")] + [(n, n) for n in time_zone_names()]
        self.fields["time_zone"].choices = choices  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_settings(request):
    user = request.user
    automatic = f"{user.default_time_zone()} (your first location’s, or the site’s)"
    form = TimeZoneForm(
        request.POST if request.method == "POST" else None,
        automatic=automatic,
        initial={"time_zone": user.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.set_time_zone(user, user, form.cleaned_data["time_zone"])
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Times are now shown in {user.zone().key}.")
            return redirect("desk:my-settings")
    status = 400 if request.method == "POST" else 200
    context = {"nav": "me", "form": form, "zone": user.zone().key}
    return render(request, "desk/my_settings.html", context, status=status)


urlpatterns = [path("me/", my_settings, name="my-settings")]
