"""A read-only look at customers until the desk (its own UI) exists; changes go through actions."""

from django.contrib import admin

from helpline.conversations.models import Conversation
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

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
