"""The desk's survey actions on a conversation: the agent's prediction tap after solving,
and sending the survey by email after a call or a visit."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.decorators.http import require_POST

from helpline.desk.views.conversations import _perform
from helpline.feedback import actions


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
