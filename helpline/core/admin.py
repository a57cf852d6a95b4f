from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from helpline.core import actions
from helpline.core.models import (
    Activity,
    ApiToken,
    EventDelivery,
    Location,
    Mailbox,
    SignInRecord,
    StaffEmail,
    Team,
    User,
)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "country", "region"]
    search_fields = ["name"]


@admin.register(User)
class AgentAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "locations"]
    fieldsets = [
        *(UserAdmin.fieldsets or ()),
        ("Helpline", {"fields": ["role", "locations", "signature"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        ("Helpline", {"fields": ["email", "role", "locations"]}),
    ]
    filter_horizontal = ["groups", "user_permissions", "locations"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "lead"]
    filter_horizontal = ["members"]


class MailboxForm(forms.ModelForm):
    imap_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current password.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "address",
            "name",
            "location",
            "team",
            "active",
            "delivery",
            "send_acknowledgement",
            "signature",
            "attachment_limit_bytes",
            "imap_host",
            "imap_port",
            "imap_ssl",
            "imap_user",
            "imap_folder",
        ]

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        if self.cleaned_data.get("imap_password"):
            mailbox.set_imap_password(self.cleaned_data["imap_password"])
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["address", "name", "location", "team", "delivery", "active"]
    list_filter = ["delivery", "active", "location"]
    fieldsets = [
        (None, {"fields": ["address", "name", "location", "team", "active"]}),
        ("Incoming mail", {"fields": ["delivery", "send_acknowledgement"]}),
        (
            "IMAP",
            {
                "fields": [
                    "imap_host",
                    "imap_port",
                    "imap_ssl",
                    "imap_user",
                    "imap_password",
                    "imap_folder",
                ]
            },
        ),
    ]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "subject_type", "subject_id"]
    list_filter = ["verb", "subject_type"]
    readonly_fields = ["created_at", "actor", "verb", "subject_type", "subject_id", "data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):
    """The event bus's after-commit deliveries; failed ones wait here to be run again."""

    list_display = ["created_at", "name", "handler", "status", "attempts", "last_error_start"]
    list_filter = ["status", "name", "handler"]
    readonly_fields = [f.name for f in EventDelivery._meta.fields]
    actions = ["run_again"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at", "-id")

    @admin.display(description="last error")
    def last_error_start(self, delivery):
        return delivery.last_error[:120]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Run again")
    def run_again(self, request, queryset):
        count = actions.run_deliveries_again(request.user, queryset)
        self.message_user(request, f"{count} deliveries queued to run again.")


@admin.register(StaffEmail)
class StaffEmailAdmin(admin.ModelAdmin):
    """Mail to our own people (invitations, weekly digests); failed ones wait here to be sent
    again."""

    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in StaffEmail._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again")
    def send_again(self, request, queryset):
        count = actions.send_staff_email_again(request.user, queryset)
        self.message_user(request, f"{count} emails queued to be sent again.")


@admin.register(SignInRecord)
class SignInRecordAdmin(admin.ModelAdmin):
    """The sign-in audit, read only: rows are written by signing in and out, and forgotten
    after HELPLINE_SIGN_IN_AUDIT_DAYS."""

    list_display = ["at", "user", "typed_name", "outcome", "factor", "address"]
    list_filter = ["outcome", "factor"]
    search_fields = ["typed_name", "user__username", "user__email", "address"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in SignInRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
