"""Fetch-and-authorise in one place: an object the agent may not see does not exist.

Customers are seen in one of two ways (docs/architecture.md, "Who sees a customer"):

* **in full** by admins and by the people of the customer's home location: every
  identity, note, custom field and change, and they may change, merge and annotate it;
* **shared** by the people of a location where the customer has a conversation but that
  is not the customer's home: the name and company, the conversations of their own
  locations, and only the identities those conversations received. Never notes, custom
  fields, the history of changes, or the home location's identities; no changes.

Lists, searches and merge offers are of customers seen in full; a shared customer is
reached through its conversations.
"""

from enum import StrEnum

from django.db.models import QuerySet
from django.http import Http404

from helpline.channels.chat.models import ChatSession
from helpline.conversations.models import Conversation, Message, identities_known_at
from helpline.core.models import User
from helpline.customers.models import Customer, CustomerNote, Identity


class CustomerAccess(StrEnum):
    FULL = "full"
    SHARED = "shared"


def get_conversation_for(user: User, pk: int, queryset=None) -> Conversation:
    queryset = Conversation.objects.all() if queryset is None else queryset
    conversation = queryset.visible_to(user).filter(pk=pk).first()
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def get_chat_for(user: User, conversation_pk: int) -> ChatSession:
    """The chat of a conversation the user may see (404 for a conversation that is no chat)."""
    conversation = get_conversation_for(user, conversation_pk)
    session = (
        ChatSession.objects.select_related("widget", "agent", "conversation")
        .filter(conversation=conversation)
        .first()
    )
    if session is None:
        raise Http404("No such chat")
    return session


def chats_seen_by(user: User) -> QuerySet:
    """The chats of the conversations the user may see."""
    return ChatSession.objects.filter(conversation__in=Conversation.objects.visible_to(user))


def get_customer_for(user: User, pk: int, queryset=None) -> Customer:
    """A customer the user sees in full (to change, merge, annotate); 404 otherwise."""
    queryset = Customer.objects.all() if queryset is None else queryset
    customer = queryset.visible_to(user).filter(pk=pk).first()
    if customer is None:
        raise Http404("No such customer")
    customer.access = CustomerAccess.FULL
    return customer


def customer_access(user: User, customer: Customer) -> CustomerAccess | None:
    if user.sees_everything or customer.location_id in user.location_ids():
        return CustomerAccess.FULL
    if Conversation.objects.visible_to(user).filter(customer=customer).exists():
        return CustomerAccess.SHARED
    return None


def get_customer_seen_by(user: User, pk: int, queryset=None) -> Customer:
    """A customer to show, in full or shared (its `access` says which); 404 otherwise."""
    queryset = Customer.objects.all() if queryset is None else queryset
    customer = queryset.filter(pk=pk).first()
    access = customer_access(user, customer) if customer is not None else None
    if access is None:
        raise Http404("No such customer")
    customer.access = access
    return customer


def identities_seen_by(user: User, customer: Customer) -> QuerySet:
    """The customer's identities the user may see: all in full, else those received."""
    if user.sees_everything:
        return Identity.objects.filter(customer=customer)
    return identities_known_at(customer, user.location_ids())


def notes_seen_by(user: User, customer: Customer) -> QuerySet:
    """The customer's notes: for those who see the customer in full only."""
    notes = CustomerNote.objects.filter(customer=customer)
    if customer_access(user, customer) is CustomerAccess.FULL:
        return notes
    return notes.none()


def get_message_for(user: User, pk: int, queryset=None) -> Message:
    queryset = Message.objects.all() if queryset is None else queryset
    visible = Conversation.objects.visible_to(user).values("pk")
    message = queryset.filter(pk=pk, conversation__in=visible).first()
    if message is None:
        raise Http404("No such message")
    return message
