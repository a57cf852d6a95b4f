"""The desk's survey actions on a conversation: the agent's prediction tap after solving,
and sending the survey by email after a call or a visit."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from helpline.core.params import parse_int
from helpline.desk.forms import served_locations
from helpline.desk.views.conversations import _perform
from helpline.feedback import actions, figures, kiosk
from helpline.feedback.models import Kind
from helpline.feedback.views import kiosk_qr


@login_required
@require_POST
def predict(request, pk: int):
    def act(conversation):
        prediction = actions.predict(
            request.user, conversation, request.POST.get("score"), request.POST.get("kind", "")
        )
        return f"Noted: you expect {prediction.get_kind_display()} {prediction.score}.", None

    return _perform(request, pk, "predict", act)


@login_required
@require_POST
def send_survey(request, pk: int):
    def act(conversation):
        survey = actions.send_now(request.user, conversation, request.POST.get("kind", ""))
        return f"{survey.get_kind_display()} survey sent to {survey.recipient}.", None

    return _perform(request, pk, "send_survey", act)


urlpatterns = [
    path("conversations/<int:pk>/prediction/", predict, name="conversation-predict"),
    path("conversations/<int:pk>/send-survey/", send_survey, name="conversation-send-survey"),
]


@login_required
@require_http_methods(["GET", "HEAD"])
def survey_figures(request):
    """CSAT, NPS and CES of the last `days` days in the locations the user serves, each with
    its coverage; and each location's walk-in kiosk page with its QR code to print."""
    days = parse_int(request.GET.get("days") or "90", "days", low=1, high=3660)
    until = timezone.now()
    since = until - timedelta(days=days)
    user = request.user
    location_ids = None if user.sees_everything else sorted(user.location_ids())
    rows = [figures.compute(kind, since, until, location_ids) for kind in Kind.values]
    kiosks = []
    for location in served_locations(user):
        url = settings.SITE_URL.rstrip("/") + reverse(
            "survey:kiosk", args=[location.pk, kiosk.token_for(location)]
        )
        kiosks.append({"location": location, "url": url, "qr": mark_safe(kiosk_qr(location, url))})
    return render(
        request,
        "feedback/figures.html",
        {"nav": "surveys", "figures": rows, "days": days, "kiosks": kiosks},
    )


urlpatterns.append(path("surveys/", survey_figures, name="surveys"))
