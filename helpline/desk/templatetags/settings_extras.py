"""Summaries the settings pages show."""

from django import template

from helpline.desk.settings_forms import format_day
from helpline.hours.models import Weekday

register = template.Library()


@register.filter
def week_summary(week: dict[int, list]) -> str:
    """{weekday: [(opens, closes)]} as "Mon–Fri 09:00–17:00 · Sat 10:00–14:00"; runs of
    days with the same hours are joined."""
    runs: list[list] = []  # [first weekday, last weekday, hours text]
    for weekday in Weekday:
        text = format_day(week.get(weekday, []))
        if text and runs and runs[-1][1] == weekday - 1 and runs[-1][2] == text:
            runs[-1][1] = weekday
        elif text:
            runs.append([weekday, weekday, text])
    parts = []
    for first, last, text in runs:
        days = Weekday(first).label[:3]
        if last != first:
            days += f"–{Weekday(last).label[:3]}"
        parts.append(f"{days} {text}")
    return " · ".join(parts)
