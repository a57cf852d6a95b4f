"""The bell in the desk's top bar: how many notifications the signed-in agent has not read."""

from django import template

from helpline.desk.views.notifications import BELL_CAP, bell_text, unread_count

register = template.Library()


@register.inclusion_tag("desk/_bell.html", takes_context=True)
def bell(context):
    user = context["user"]
    count = unread_count(user)
    return {
        "count": count,
        "text": bell_text(count),
        "cap": BELL_CAP,
        "current": context.get("nav") == "notifications",
    }
