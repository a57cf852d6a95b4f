"""Service level policies in Django's admin, saved through the actions."""

from django.contrib import admin

from helpline.sla import actions
from helpline.sla.models import Notification, SlaEvent, SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "position",
        "priority",
        "channel",
        "location",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "warn_at_percent",
    )
    list_editable = ("position",)
    ordering = ("position", "id")

    def save_model(self, request, obj, form, change):
        values = {
            name: form.cleaned_data[name] for name in actions.FIELDS if name in form.cleaned_data
        }
        if change:
            actions.update_policy(request.user, obj, **values)
        else:
            obj.pk = actions.create_policy(request.user, **values).pk

    def delete_model(self, request, obj):
        actions.delete_policy(request.user, obj)

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            actions.delete_policy(request.user, policy)

    def has_change_permission(self, request, obj=None):
        return actions.may_manage_policies(request.user) and super().has_change_permission(
            request, obj
        )


@admin.register(SlaEvent)
class SlaEventAdmin(admin.ModelAdmin):
    list_display = ("conversation", "clock", "kind", "due_at", "created_at")
    list_filter = ("clock", "kind")
    raw_id_fields = ("conversation",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "conversation", "text", "created_at", "read_at")
    raw_id_fields = ("conversation", "event")
