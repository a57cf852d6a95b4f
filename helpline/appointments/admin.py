"""Appointments in Django's admin, to look at: booking and changing them is the desk's work,
through the actions, so that the customer is told and the timeline says so."""

from django.contrib import admin

from helpline.appointments.models import Appointment


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "kind", "customer", "location", "agent", "status")
    list_filter = ("status", "kind", "location")
    date_hierarchy = "starts_at"
    search_fields = ("customer__name", "phone_number", "uid")
    list_select_related = ("customer", "location", "agent")
    ordering = ("-starts_at", "-id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
