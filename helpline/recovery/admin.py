from django.contrib import admin

from helpline.recovery.models import RecoveryCase, RecoveryRules, RootCause


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]


@admin.register(RecoveryRules)
class RecoveryRulesAdmin(admin.ModelAdmin):
    list_display = ["__str__", "low_csat", "low_nps", "low_ces", "negative_message", "long_wait"]


@admin.register(RecoveryCase)
class RecoveryCaseAdmin(admin.ModelAdmin):
    """To look, not to change: cases change through the desk (recovery.actions)."""

    list_display = ["pk", "customer", "location", "owner", "status", "due_at", "outcome"]
    list_filter = ["status", "outcome", "location"]
    raw_id_fields = ["customer", "conversation", "owner", "closed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
