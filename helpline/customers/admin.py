"""A read-only look at customers until the desk (its own UI) exists; changes go through actions."""

from django.contrib import admin

from helpline.conversations.models import Conversation, Message
from helpline.customers.models import Customer, CustomerNote, Identity


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IdentityInline(ReadOnlyInline):
    model = Identity
    fields = ["kind", "value", "created_at"]
    readonly_fields = fields


class NoteInline(ReadOnlyInline):
    model = CustomerNote
    fields = ["created_at", "author", "body"]
    readonly_fields = fields


class ConversationInline(ReadOnlyInline):
    model = Conversation
    fields = ["subject", "channel", "status", "location", "created_at", "last_message_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "location", "created_at"]
    list_filter = ["location"]
    search_fields = ["name", "identities__value"]
    inlines = [IdentityInline, NoteInline, ConversationInline]
    change_form_template = "admin/customers/customer/timeline.html"
    timeline_length = 200

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        timeline = (
            Message.objects.filter(conversation__customer_id=object_id)
            .select_related("conversation", "author", "identity")
            .order_by("-created_at", "-id")[: self.timeline_length]
        )
        extra_context = {**(extra_context or {}), "timeline": timeline}
        return super().change_view(request, object_id, form_url, extra_context)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
