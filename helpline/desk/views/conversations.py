"""The conversation page: the thread, the customer beside it, and the work on it."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from helpline.access import get_conversation_for


@login_required
def conversation_page(request, pk: int):
    conversation = get_conversation_for(request.user, pk)
    return render(request, "desk/conversation.html", {"conversation": conversation})


urlpatterns = [
    path("conversations/<int:pk>/", conversation_page, name="conversation"),
]
