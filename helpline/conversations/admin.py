"""A read-only look at conversations until the desk exists; changes go through actions."""

from django.contrib import admin

from helpline.conversations.models import CannedReply, Conversation, Message
from helpline.customers.admin import ReadOnlyInline


class MessageInline(ReadOnlyInline):
    model = Message
    fields = [
        "created_at",
        "channel",
        "direction",
        "kind",
        "author",
        "identity",
        "text",
        "delivery",
    ]
    readonly_fields = fields


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "customer", "channel", "status", "location", "assignee"]
    list_filter = ["status", "channel", "location", "priority"]
    search_fields = ["subject"]
    list_select_related = ["customer", "location", "assignee"]
    inlines = [MessageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    """Canned replies are configuration, written here by admins like mailboxes and teams."""

    list_display = ["title", "location"]
    list_filter = ["location"]
    search_fields = ["title", "body"]
    list_select_related = ["location"]
