"""Companies: the list, and a company's page with its customers and their conversations.

Companies are shared by every location; what a page shows of them is only what the
agent may see: customers of the locations they serve, and conversations they may open.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from helpline.conversations.models import Conversation
from helpline.customers.models import Company, Customer, Identity
from helpline.desk.inbox import LATEST_ACTIVITY

COMPANIES_SHOWN = 200
CUSTOMERS_SHOWN = 200
CONVERSATIONS_SHOWN = 50


def _visible_customers(user):
    return Customer.objects.visible_to(user).filter(merged_into__isnull=True)


@login_required
@require_http_methods(["GET", "HEAD"])
def company_list(request):
    query = (request.GET.get("q") or "").replace("\x00", "")[:200].strip()
    count = (
        _visible_customers(request.user)
        .filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(n=Count("pk"))
        .values("n")
    )
    companies = Company.objects.annotate(customer_count=Coalesce(Subquery(count), 0))
    if query:
        companies = companies.filter(name__icontains=query)
    context = {
        "nav": "customers",
        "query": query,
        "companies": list(companies[:COMPANIES_SHOWN]),
        "limit": COMPANIES_SHOWN,
    }
    return render(request, "desk/companies.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def company_page(request, pk: int):
    company = Company.objects.filter(pk=pk).first()
    if company is None:
        raise Http404("No such company")
    customers = list(
        _visible_customers(request.user)
        .filter(company=company)
        .select_related("location")
        .prefetch_related(Prefetch("identities", queryset=Identity.objects.order_by("kind", "id")))
        .order_by("name", "id")[: CUSTOMERS_SHOWN + 1]
    )
    conversations = list(
        Conversation.objects.visible_to(request.user)
        .filter(customer__company=company, customer__in=_visible_customers(request.user))
        .select_related("customer", "location", "assignee")
        .order_by(*LATEST_ACTIVITY.order_by())[:CONVERSATIONS_SHOWN]
    )
    context = {
        "nav": "customers",
        "company": company,
        "customers": customers[:CUSTOMERS_SHOWN],
        "more_customers": len(customers) > CUSTOMERS_SHOWN,
        "conversations": conversations,
        "conversations_limit": CONVERSATIONS_SHOWN,
        "now": timezone.now(),
    }
    return render(request, "desk/company.html", context)


urlpatterns = [
    path("companies/", company_list, name="companies"),
    path("companies/<int:pk>/", company_page, name="company"),
]
