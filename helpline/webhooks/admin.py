"""Webhooks in Django's admin: endpoints (saved through the actions) and the delivery log,
with each delivery's tries and a "send again" action."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from helpline.core.errors import ActionError
from helpline.webhooks import actions
from helpline.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "active"]

    def clean(self):
        cleaned = super().clean() or {}
        try:
            actions.clean({k: v for k, v in cleaned.items() if k in actions.FIELDS})
        except ActionError as exc:
            self.add_error(exc.field or None, str(exc))
        return cleaned


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "active", "event_list", "delivery_log"]
    list_filter = ["active"]
    readonly_fields = ["secret", "created_at", "updated_at"]
    actions = ["rotate_secret"]

    @admin.display(description="events")
    def event_list(self, webhook):
        return ", ".join(webhook.events)

    @admin.display(description="deliveries")
    def delivery_log(self, webhook):
        url = reverse("admin:webhooks_webhookdelivery_changelist")
        return format_html('<a href="{}?webhook__id__exact={}">log</a>', url, webhook.pk)

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in actions.FIELDS}
        if change:
            saved = actions.update_webhook(request.user, obj, **values)
        else:
            saved = actions.create_webhook(request.user, **values)
        obj.pk, obj.secret = saved.pk, saved.secret

    def delete_model(self, request, obj):
        actions.delete_webhook(request.user, obj)

    def delete_queryset(self, request, queryset):
        for webhook in queryset:
            actions.delete_webhook(request.user, webhook)

    @admin.action(description="Give a new signing secret")
    def rotate_secret(self, request, queryset):
        for webhook in queryset:
            actions.rotate_secret(request.user, webhook)
        self.message_user(request, f"{queryset.count()} webhooks have a new secret.")


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = readonly_fields = ("at", "status_code", "duration_ms", "error", "response_body")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log, per webhook (filter by it); failed ones wait here to be sent again."""

    list_display = ["created_at", "webhook", "event", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "event", "webhook"]
    search_fields = ["uuid", "event_id"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["send_again"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("webhook").order_by("-created_at", "-id")
        )

    @admin.display(description="last error")
    def error(self, delivery):
        return delivery.last_error[:120]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again")
    def send_again(self, request, queryset):
        try:
            count = actions.send_again(request.user, queryset)
        except PermissionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{count} deliveries queued to be sent again.")
