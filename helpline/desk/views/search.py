"""Search across conversations and customers, with the inbox's filters."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def search_page(request):
    return render(request, "desk/search.html", {"search_query": request.GET.get("q", "")})


urlpatterns = [
    path("search/", search_page, name="search"),
]
