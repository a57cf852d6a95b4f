"""Survey policies in Django's admin, saved through the actions; surveys, answers, opt-outs
and predictions are shown, never edited (they change through the actions only)."""

from django.contrib import admin

from helpline.feedback import actions
from helpline.feedback.models import Answer, OptOut, Prediction, Survey, SurveyPolicy


@admin.register(SurveyPolicy)
class SurveyPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "position",
        "active",
        "kind",
        "location",
        "channel",
        "mailbox",
        "delay_minutes",
        "every_days",
        "reminder_after_days",
        "language",
    )
    list_editable = ("position",)
    ordering = ("position", "id")

    def save_model(self, request, obj, form, change):
        values = {
            name: form.cleaned_data[name] for name in actions.FIELDS if name in form.cleaned_data
        }
        if change:
            actions.update_policy(request.user, obj, **values)
        else:
            obj.pk = actions.create_policy(request.user, **values).pk

    def delete_model(self, request, obj):
        actions.delete_policy(request.user, obj)

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            actions.delete_policy(request.user, policy)

    def has_change_permission(self, request, obj=None):
        return actions.may_manage_policies(request.user) and super().has_change_permission(
            request, obj
        )


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnly):
    list_display = ("pk", "kind", "purpose", "status", "customer", "conversation", "sent_at")
    list_filter = ("kind", "purpose", "status")
    raw_id_fields = ("customer", "conversation", "policy", "requested_by")


@admin.register(Answer)
class AnswerAdmin(ReadOnly):
    list_display = ("survey", "kind", "score", "location", "agent", "answered_at")
    list_filter = ("kind",)
    raw_id_fields = ("survey", "customer", "conversation", "agent", "team")


@admin.register(OptOut)
class OptOutAdmin(ReadOnly):
    list_display = ("customer", "via", "created_at")
    raw_id_fields = ("customer", "survey")


@admin.register(Prediction)
class PredictionAdmin(ReadOnly):
    list_display = ("conversation", "agent", "kind", "score", "created_at")
    raw_id_fields = ("conversation", "agent")
