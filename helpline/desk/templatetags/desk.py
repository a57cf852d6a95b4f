"""Small things every desk page shows: channel icons, waits, capped counts."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from helpline.conversations.models import Channel
from helpline.core.durations import compact_duration

register = template.Library()

ICONS = {*Channel.values, "note", "outbound", "search", "user", "bell"}


@register.simple_tag
def icon(name: str, label: str = ""):
    """An icon from the sprite in base.html; with a label, screen readers say it."""
    name = name if name in ICONS else "note"
    if label:
        return format_html(
            '<svg class="icon" role="img" aria-label="{}"><title>{}</title>'
            '<use href="#i-{}"/></svg>',
            label,
            label,
            name,
        )
    return format_html('<svg class="icon" aria-hidden="true"><use href="#i-{}"/></svg>', name)


@register.filter
def wait(since: datetime | None, now: datetime | None = None) -> str:
    """A compact duration from `since` until now: 45s, 12m, 3h 20m, 2d 4h."""
    if since is None:
        return ""
    return compact_duration(((now or timezone.now()) - since).total_seconds())


@register.filter
def moment(value: datetime | None) -> str:
    """A date and time for a tooltip, in the site's time zone: 23 Nov 2026, 16:05.

    strftime rather than Django's `date` filter: an inbox page shows fifty of them,
    and the localised formatter costs a twentieth of a millisecond each.
    """
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%d %b %Y, %H:%M")


@register.filter
def capped(count: int, cap: int) -> str:
    return f"{cap:,}+" if count > cap else f"{count:,}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
