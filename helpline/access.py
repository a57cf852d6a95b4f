"""Fetch-and-authorise in one place: an object the agent may not see does not exist."""

from django.http import Http404

from helpline.conversations.models import Conversation, Message
from helpline.core.models import User
from helpline.customers.models import Customer


def get_conversation_for(user: User, pk: int, queryset=None) -> Conversation:
    queryset = Conversation.objects.all() if queryset is None else queryset
    conversation = queryset.visible_to(user).filter(pk=pk).first()
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def get_customer_for(user: User, pk: int, queryset=None) -> Customer:
    queryset = Customer.objects.all() if queryset is None else queryset
    customer = queryset.visible_to(user).filter(pk=pk).first()
    if customer is None:
        raise Http404("No such customer")
    return customer


def get_message_for(user: User, pk: int, queryset=None) -> Message:
    queryset = Message.objects.all() if queryset is None else queryset
    visible = Conversation.objects.visible_to(user).values("pk")
    message = queryset.filter(pk=pk, conversation__in=visible).first()
    if message is None:
        raise Http404("No such message")
    return message
