"""The reminder to answer this period's self-assessment, in the reports' section bar."""

from django import template
from django.utils import timezone

from helpline.reports.models import SelfAssessment
from helpline.reports.perception import period_of

register = template.Library()


@register.inclusion_tag("desk/reports/_self_assessment_reminder.html", takes_context=True)
def self_assessment_reminder(context):
    user = context["request"].user
    start, _ = period_of(timezone.localdate())
    due = not SelfAssessment.objects.filter(user=user, period_start=start).exists()
    return {"due": due}
