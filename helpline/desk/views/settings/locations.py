"""Locations: their name, time zone, public holidays and opening hours."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from helpline.core import actions
from helpline.core.errors import ActionError
from helpline.core.models import Location
from helpline.desk.settings_forms import LocationForm, day_field_name, format_day
from helpline.desk.views.settings.common import admin_only, settings_context
from helpline.hours import actions as hours_actions
from helpline.hours.public_holidays import upcoming

HOLIDAYS_SHOWN = 6


@admin_only
@require_http_methods(["GET", "HEAD"])
def location_list(request):
    locations = Location.objects.order_by("name").prefetch_related("opening_hours")
    rows = [(location, _week(location)) for location in locations]
    return render(request, "desk/settings/locations.html", settings_context("locations", rows=rows))


def _week(location: Location) -> dict[int, list]:
    week: dict[int, list] = {}
    for interval in location.opening_hours.all():
        week.setdefault(interval.weekday, []).append((interval.opens, interval.closes))
    return week


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def location_new(request):
    form = LocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        location = _save(request, form, None)
        if location is not None:
            messages.success(request, f"Location {location.name} added.")
            return redirect("settings:locations")
    return _render(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def location_edit(request, location_id: int):
    location = get_object_or_404(Location, pk=location_id)
    initial = {name: getattr(location, name) for name in ("name", "timezone", "country", "region")}
    for weekday, spans in _week(location).items():
        initial[day_field_name(weekday)] = format_day(spans)
    form = LocationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, location):
        messages.success(request, f"Location {form.cleaned_data['name']} saved.")
        return redirect("settings:locations")
    return _render(request, form, location)


def _save(request, form: LocationForm, location: Location | None) -> Location | None:
    """The location and its week, both or neither; None when an action refused."""
    try:
        with transaction.atomic():
            if location is None:
                location = actions.create_location(request.user, **form.location_values())
            else:
                location = actions.update_location(request.user, location, **form.location_values())
            before = sorted(location.opening_hours.values_list("weekday", "opens", "closes"))
            if sorted(form.intervals) != before:
                hours_actions.set_opening_hours(request.user, location, form.intervals)
    except ActionError as exc:
        field = form.field_of(exc.field)
        message = str(exc)  # the hours' own words start in lower case, for the API
        form.add_error(field if field in form.fields else None, message[:1].upper() + message[1:])
        return None
    return location


def _render(request, form: LocationForm, location: Location | None):
    holidays = []
    if location is not None and location.country:
        holidays = upcoming(location.country, location.region, timezone.localdate())
    context = settings_context(
        "locations", form=form, location=location, holidays=holidays[:HOLIDAYS_SHOWN]
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/settings/location_form.html", context, status=status)


urlpatterns = [
    path("", location_list, name="locations"),
    path("new/", location_new, name="location-new"),
    path("<int:location_id>/", location_edit, name="location-edit"),
]
