"""A conversation started by hand: a call, a walk-in, a letter, for a known or new customer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from helpline.access import get_customer_for
from helpline.conversations import actions as conversation_actions
from helpline.core.errors import ActionError
from helpline.customers import actions as customer_actions
from helpline.customers.models import Customer
from helpline.desk.forms import NewConversationForm, refuse
from helpline.desk.views.customers import id_from, ordered_identities, query_from
from helpline.search import search

CUSTOMER_CHOICES = 10


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_conversation(request):
    params = request.POST if request.method == "POST" else request.GET
    customer = _chosen_customer(request.user, params.get("customer"))
    form = NewConversationForm(request.user, request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = _start(request.user, form, customer)
        except ActionError as exc:
            # The new customer's fields are named as the form names them ("email", "phone").
            refuse(form, exc, user=request.user)
        else:
            messages.success(request, f"Conversation #{conversation.pk} started.")
            return redirect("desk:conversation", conversation.pk)
    query = "" if customer else query_from({"q": request.GET.get("find")})
    hits = search.search_customers(request.user, query, limit=CUSTOMER_CHOICES) if query else []
    prefetch_related_objects([hit.customer for hit in hits], "location", ordered_identities())
    if customer is not None:
        prefetch_related_objects([customer], ordered_identities())
    context = {
        "customer": customer,
        "form": form,
        "find": query,
        "hits": hits,
        "nav": "new",
        # Every conversation needs a location: say where one comes from before the form fails.
        "no_location": not form.fields["location"].queryset.exists(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/new_conversation.html", context, status=status)


def _chosen_customer(user, value) -> Customer | None:
    """The customer the page was opened for (404 unless visible); a merged one's survivor."""
    pk = id_from(value, "customer")
    if pk is None:
        return None
    customer = get_customer_for(user, pk, Customer.objects.select_related("location"))
    if customer.merged_into_id:
        survivor = customer_actions.resolve_merged(customer)
        customer = get_customer_for(user, survivor.pk, Customer.objects.select_related("location"))
    return customer


def _start(user, form: NewConversationForm, customer: Customer | None):
    """Both actions or neither: a refused conversation leaves no new customer behind."""
    data = form.cleaned_data
    with transaction.atomic():
        if customer is None:
            customer = customer_actions.create_customer(
                user,
                name=data["name"].strip(),
                location=data["location"],
                identities=form.identities(),
            )
        return conversation_actions.start_conversation(
            user,
            customer,
            channel=data["channel"],
            subject=data["subject"].strip(),
            text=data["text"].strip(),
            location=data["location"],
            team=data["team"],
            waited_minutes=data["waited_minutes"],
        )


urlpatterns = [
    path("conversations/new/", new_conversation, name="conversation-new"),
]
