"""A read-only look at customers until the desk (its own UI) exists; changes go through actions.

Their conversations and message timeline are added by `helpline.conversations.admin`.
"""

from django.contrib import admin

from helpline.customers.models import Company, Customer, CustomerNote, CustomField, Identity


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


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "location", "company", "language", "created_at"]
    list_filter = ["location", "language"]
    search_fields = ["name", "identities__value"]
    inlines = [IdentityInline, NoteInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    """Read only: companies are named on a customer's page in the desk."""

    list_display = ["name", "created_at"]
    search_fields = ["name"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    """Read only: fields are defined in the desk (Customers → Custom fields), which logs it."""

    list_display = ["label", "key", "kind", "position"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
