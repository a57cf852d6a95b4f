"""Customers: the list, a profile with its timeline, editing, merging, and new ones by hand."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from helpline.access import get_customer_for


@login_required
def customer_page(request, pk: int):
    customer = get_customer_for(request.user, pk)
    return render(request, "desk/customer.html", {"customer": customer})


@login_required
def customer_list(request):
    return render(request, "desk/customer.html", {"customer": "Customers"})


urlpatterns = [
    path("customers/", customer_list, name="customers"),
    path("customers/<int:pk>/", customer_page, name="customer"),
]
