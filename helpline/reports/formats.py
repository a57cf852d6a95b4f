"""A report figure's value in words, as the report pages and the weekly digest write it."""

from helpline.core.durations import compact_duration


def show(value, unit: str) -> str:
    """`value` of a figure or a table cell in `unit` ("seconds", "share", "ratio", "nps",
    "change", "count", ...): a time as a compact duration, a share as a percentage, a count
    with thousands separators; "—" for none."""
    if value is None:
        return "—"
    if unit == "seconds":
        return compact_duration(value)
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit == "nps":
        return f"{value:+.1f}"
    if unit == "change":
        return f"{value:+,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
