from django.contrib import admin

from helpline.feedback.models import Answer, OptOut, Prediction, Survey, SurveyPolicy


@admin.register(SurveyPolicy)
class SurveyPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "position", "active", "kind", "location", "channel", "mailbox")
    list_editable = ("position", "active")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "purpose", "status", "customer", "conversation", "sent_at")
    list_filter = ("kind", "purpose", "status")
    raw_id_fields = ("customer", "conversation", "policy", "requested_by")
    readonly_fields = ("cause",)


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("survey", "kind", "score", "location", "agent", "answered_at")
    list_filter = ("kind",)
    raw_id_fields = ("survey", "customer", "conversation", "agent", "team")


admin.site.register(OptOut)
admin.site.register(Prediction)
