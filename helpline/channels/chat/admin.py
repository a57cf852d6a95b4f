from django.contrib import admin

from helpline.channels.chat.models import BlockedVisitor, ChatSession, ChatWidget


@admin.register(ChatWidget)
class ChatWidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "mailbox", "active"]
    list_filter = ["location", "active"]
    readonly_fields = ["key", "created_at", "rotated_at"]


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    """Read only: chats change through the widget and the desk (helpline.channels.chat.actions)."""

    list_display = ["pk", "widget", "status", "agent", "started_at", "answered_at", "ended_at"]
    list_filter = ["status", "widget"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BlockedVisitor)
class BlockedVisitorAdmin(admin.ModelAdmin):
    """An admin lifts a block by deleting it."""

    list_display = ["visitor", "blocked_by", "reason", "created_at"]
    readonly_fields = ["visitor", "blocked_by", "created_at"]

    def has_add_permission(self, request):
        return False
