"""Custom fields of customers: admins define them; everyone fills them in on a customer."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from helpline.core.errors import ActionError
from helpline.customers import actions
from helpline.customers.models import CustomField
from helpline.desk.forms import CustomFieldForm, refuse


def admins_only(view):
    """Fields are the same for every location: only someone who sees everything defines them."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.sees_everything:
            raise PermissionDenied("Only an admin defines custom fields.")
        return view(request, *args, **kwargs)

    return wrapper


@admins_only
@require_http_methods(["GET", "HEAD", "POST"])
def field_list(request):
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            field = actions.define_field(
                request.user,
                key=data["key"].strip(),
                label=data["label"],
                kind=data["kind"],
                choices=form.options(),
            )
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Added the field {field.label}.")
            return redirect("desk:custom-fields")
    fields = CustomField.objects.annotate(value_count=Count("values")).order_by("position", "id")
    context = {"nav": "customers", "fields": fields, "form": form}
    return render(
        request, "desk/custom_fields.html", context, status=400 if request.method == "POST" else 200
    )


@admins_only
@require_http_methods(["GET", "HEAD", "POST"])
def field_edit(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    initial = {"label": field.label, "choices": "\n".join(field.choices)}
    form = CustomFieldForm(request.POST or None, initial=initial, existing=field)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_field(
                request.user, field, label=form.cleaned_data["label"], choices=form.options()
            )
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Saved the field {form.cleaned_data['label']}.")
            return redirect("desk:custom-fields")
    context = {"nav": "customers", "field": field, "form": form}
    return render(
        request,
        "desk/custom_field_edit.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@admins_only
@require_POST
def field_delete(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    actions.delete_field(request.user, field)
    messages.success(request, f"Deleted the field {field.label} and its values.")
    return redirect("desk:custom-fields")


urlpatterns = [
    path("customers/fields/", field_list, name="custom-fields"),
    path("customers/fields/<int:pk>/", field_edit, name="custom-field"),
    path("customers/fields/<int:pk>/delete/", field_delete, name="custom-field-delete"),
]
