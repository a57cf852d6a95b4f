"""A read-only look at conversations until the desk exists; changes go through actions."""

from typing import cast

from django.contrib import admin

from helpline.conversations.models import CannedReply, Conversation, Message
from helpline.core.models import LocationScoped
from helpline.customers.admin import CustomerAdmin, ReadOnlyInline
from helpline.customers.models import Customer


class MessageInline(ReadOnlyInline):
    model = Message
    # A tuple: the one sequence of names both attributes accept (their declared types differ).
    readonly_fields = (
        "created_at",
        "channel",
        "direction",
        "kind",
        "author",
        "identity",
        "text",
        "delivery",
    )
    fields = readonly_fields


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "customer", "channel", "status", "location", "assignee"]
    list_filter = ["status", "channel", "location", "priority"]
    search_fields = ["subject"]
    list_select_related = ["customer", "location", "assignee"]
    inlines = [MessageInline]

    def get_queryset(self, request):
        # ModelAdmin is not generic at run time, so say which queryset its model's manager gives.
        return cast(LocationScoped, super().get_queryset(request)).visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class ConversationInline(ReadOnlyInline):
    model = Conversation
    readonly_fields = ("subject", "channel", "status", "location", "created_at", "last_message_at")
    fields = readonly_fields
    show_change_link = True


# Customers sit below conversations: the customer page gains its conversations and
# timeline here rather than by importing conversations into the customers app.
admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerWithConversationsAdmin(CustomerAdmin):
    inlines = [*CustomerAdmin.inlines, ConversationInline]
    change_form_template = "admin/customers/customer/timeline.html"
    timeline_length = 200

    def change_view(self, request, object_id, form_url="", extra_context=None):
        timeline = (
            Message.objects.filter(conversation__customer_id=object_id)
            .select_related("conversation", "author", "identity")
            .order_by("-created_at", "-id")[: self.timeline_length]
        )
        extra_context = {**(extra_context or {}), "timeline": timeline}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    """Canned replies are configuration, written here by admins like mailboxes and teams."""

    list_display = ["title", "location"]
    list_filter = ["location"]
    search_fields = ["title", "body"]
    list_select_related = ["location"]
