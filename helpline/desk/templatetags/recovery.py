"""The customer's recovery cases, on the conversation page and the customer's timeline."""

from django import template

from helpline.recovery.models import RecoveryCase

register = template.Library()
SHOWN = 5


@register.inclusion_tag("desk/_recovery_cases.html", takes_context=True)
def recovery_cases(context, customer):
    """One query: the customer's latest cases the viewer may see, open first."""
    cases = list(
        RecoveryCase.objects.visible_to(context["user"])
        .filter(customer=customer)
        .select_related("owner", "location", "root_cause")
        .prefetch_related("triggers")
        .order_by("status", "-opened_at")[:SHOWN]
    )
    return {"cases": cases, "customer": customer}
