"""Outbound webhooks: endpoints, their signing secret, and their recent deliveries."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from helpline.core.errors import ActionError
from helpline.desk.forms import refuse
from helpline.desk.settings_forms import WebhookForm
from helpline.desk.views.settings.common import admin_only, settings_context
from helpline.webhooks import actions
from helpline.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

RECENT_DELIVERIES = 25


@admin_only
@require_http_methods(["GET", "HEAD"])
def webhook_list(request):
    webhooks = Webhook.objects.order_by("name", "id")
    return render(
        request, "desk/settings/webhooks.html", settings_context("webhooks", webhooks=webhooks)
    )


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_new(request):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = actions.create_webhook(request.user, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request, f"Webhook {webhook.name} added. Give its secret to the receiver."
            )
            return redirect("settings:webhook-edit", webhook.pk)
    return _render(request, form, None)


@admin_only
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_edit(request, webhook_id: int):
    webhook = get_object_or_404(Webhook, pk=webhook_id)
    initial = {name: getattr(webhook, name) for name in actions.FIELDS}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = actions.update_webhook(request.user, webhook, **form.cleaned_data)
        except ActionError as exc:
            refuse(form, exc)
        else:
            messages.success(request, f"Webhook {webhook.name} saved.")
            return redirect("settings:webhook-edit", webhook.pk)
    return _render(request, form, webhook)


@admin_only
@require_POST
def webhook_secret(request, webhook_id: int):
    webhook = get_object_or_404(Webhook, pk=webhook_id)
    actions.rotate_secret(request.user, webhook)
    messages.success(request, "A new secret signs every delivery from now on.")
    return redirect("settings:webhook-edit", webhook.pk)


@admin_only
@require_POST
def delivery_send_again(request, delivery_id: int):
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
    if actions.send_again(request.user, WebhookDelivery.objects.filter(pk=delivery.pk)):
        messages.success(request, f"The {delivery.event} delivery will be sent again.")
    else:
        messages.error(request, "That delivery is being sent right now; it was left alone.")
    return redirect("settings:webhook-edit", delivery.webhook_id)


def _render(request, form: WebhookForm, webhook: Webhook | None):
    deliveries = []
    if webhook is not None:
        deliveries = list(webhook.deliveries.order_by("-created_at", "-id")[:RECENT_DELIVERIES])
        latest: dict[int, WebhookAttempt] = {}
        attempts = (
            WebhookAttempt.objects.filter(delivery__in=deliveries)
            .defer("response_body")
            .order_by("delivery_id", "-at", "-id")
        )
        for attempt in attempts:
            latest.setdefault(attempt.delivery_id, attempt)
        for delivery in deliveries:
            delivery.latest = latest.get(delivery.pk)
    context = settings_context("webhooks", form=form, webhook=webhook, deliveries=deliveries)
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/settings/webhook_form.html", context, status=status)


urlpatterns = [
    path("", webhook_list, name="webhooks"),
    path("new/", webhook_new, name="webhook-new"),
    path("<int:webhook_id>/", webhook_edit, name="webhook-edit"),
    path("<int:webhook_id>/new-secret/", webhook_secret, name="webhook-secret"),
    path(
        "deliveries/<int:delivery_id>/send-again/",
        delivery_send_again,
        name="webhook-send-again",
    ),
]
