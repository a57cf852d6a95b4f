"""Charts drawn on the server as SVG with pygal, shown as <img> of a data: URL.

The desk's Content-Security-Policy allows no inline style, and pygal's SVG styles itself
with a <style> element: as an image the SVG is its own document (no script runs in it, and
the page's policy does not reach into it), and img-src allows data:. Nothing is fetched:
pygal's JavaScript is off (js=[]) and its config <script> is dropped. The colours are the
Okabe–Ito palette, told apart with any colour vision; each chart's numbers are also in the
table under it, for screen readers and for print.
"""

import base64
import math
import re

import pygal
from pygal.style import Style

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
STYLE = Style(
    colors=PALETTE,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#666666",
    font_family="system-ui, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=15,
)
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _config(**more) -> dict:
    return {
        "js": [],
        "style": STYLE,
        "width": 900,
        "height": 360,
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        "truncate_label": -1,
        "print_values": False,
        **more,
    }


def data_url(chart) -> str:
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _count_axis(peak: float) -> dict:
    """Whole numbers on a count's axis (or a percentage's), about six of them, in steps of
    1, 2 or 5 times a power of ten (0, 20, 40 … 100 rather than 0, 17, 34 …)."""
    rough = max(1, math.ceil(peak / 6))
    power = 10 ** (len(str(rough)) - 1)
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    top = max(step, step * math.ceil(peak / step))
    return {"range": (0, top), "y_labels": list(range(0, top + 1, step))}


def stacked_bars(title: str, x_labels: list[str], series: dict[str, list], y_title: str) -> str:
    """A data: URL of the chart; empty when there is nothing to draw (no series)."""
    if not series:
        return ""
    totals = [sum(values) for values in zip(*series.values(), strict=True)] or [0]
    chart = pygal.StackedBar(
        **_count_axis(max(totals)),
        **_config(
            title=title,
            x_title="",
            y_title=y_title,
            x_label_rotation=-45 if len(x_labels) > 10 else 0,
        ),
    )
    chart.x_labels = x_labels
    if len(x_labels) > 16:
        chart.x_labels_major_every = max(1, len(x_labels) // 8)
        chart.show_minor_x_labels = False
    for name, values in series.items():
        chart.add(name, values)
    return data_url(chart)


def bars(title: str, x_labels: list[str], series: dict[str, list], y_title: str) -> str:
    if not series:
        return ""
    peak = max((v or 0 for values in series.values() for v in values), default=0)
    chart = pygal.Bar(**_count_axis(peak), **_config(title=title, y_title=y_title))
    chart.x_labels = x_labels
    for name, values in series.items():
        chart.add(name, values)
    return data_url(chart)


def calibration(title: str, points: list[tuple[int, float | None]]) -> str:
    """Mean customer score per predicted score, against the line of perfect calibration
    (what was predicted is what customers gave)."""
    if not any(value is not None for _, value in points):
        return ""
    chart = pygal.Line(
        range=(1, 5),
        y_labels=[1, 2, 3, 4, 5],
        **_config(title=title, x_title="Score the agent predicted", y_title="Customers' score"),
    )
    chart.x_labels = [str(score) for score, _ in points]
    chart.add("Perfectly calibrated", [float(score) for score, _ in points])
    chart.add("What customers gave (mean)", [value for _, value in points])
    return data_url(chart)


def lines(
    title: str,
    x_labels: list[str],
    series: dict[str, list],
    y_title: str,
    value_range: tuple[float, float] | None = None,
    legend_columns: int | None = None,
) -> str:
    """A line per series (None leaves a gap); empty when there is no value at all. A
    `value_range` (0–100 for a percentage) keeps small changes from looking big."""
    if not any(v is not None for values in series.values() for v in values):
        return ""
    fixed: dict = {"range": value_range} if value_range else {}
    if legend_columns:  # long names: fewer, wider columns
        fixed["legend_at_bottom_columns"] = legend_columns
    chart = pygal.Line(allow_interruptions=True, **fixed, **_config(title=title, y_title=y_title))
    chart.x_labels = x_labels
    for name, values in series.items():
        chart.add(name, values)
    return data_url(chart)
