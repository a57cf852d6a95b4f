from django.contrib import admin

from helpline.channels.email.models import OutboundEmail, RawEmail


@admin.register(RawEmail)
class RawEmailAdmin(admin.ModelAdmin):
    """Read-only: quarantined mail is re-processed with `helpline reprocess`."""

    list_display = ["sha256", "status", "source", "mailbox", "size", "received_at", "reason"]
    list_filter = ["status", "source"]
    search_fields = ["sha256", "reason"]
    exclude = ["data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
