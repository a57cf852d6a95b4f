"""The weekly digest's part of the person's settings page."""

from django import template

from helpline.reports import digest

register = template.Library()


@register.inclusion_tag("desk/_digest_setting.html", takes_context=True)
def digest_setting(context) -> dict:
    user = context["request"].user
    offered = digest.default_on(user)
    return {
        "offered": offered,
        "on": offered and digest.gets_digest(user),
        "scope": digest.scope_of(user) if offered else None,
        "has_email": bool(user.email),
        "csrf_token": context.get("csrf_token"),
    }
