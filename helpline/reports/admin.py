"""How long a self-assessment period is (monthly or quarterly), set by an admin and saved
through the actions; the answers themselves are never shown here (they are anonymous)."""

from django.contrib import admin

from helpline.reports import actions
from helpline.reports.models import SelfAssessmentSettings


@admin.register(SelfAssessmentSettings)
class SelfAssessmentSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "period_months")

    def has_add_permission(self, request):
        return not SelfAssessmentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actions.set_self_assessment_period(form.cleaned_data["period_months"])
        obj.pk = 1
