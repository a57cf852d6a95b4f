"""Small things every desk page shows: channel icons, waits, capped counts."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from helpline.conversations.delivery import DeliveryProblem
from helpline.conversations.delivery import delivery_problem as problem_of
from helpline.conversations.models import Channel
from helpline.core.durations import compact_duration
from helpline.desk import times

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


@register.simple_tag
def inbox_rows(rows, now: datetime, conversation_url: str) -> SafeString:
    """The inbox's rows (helpline.desk.inbox.Row), as list items.

    Python rather than a template loop: fifty rows of a dozen values each were a
    third of an inbox page's time in the template engine, and the page is polled.
    """
    return mark_safe("".join(_inbox_row(row, now, conversation_url) for row in rows))


def _inbox_row(row, now: datetime, conversation_url: str) -> str:
    priority = ""
    if row.priority != "normal":
        priority = f'<span class="badge priority">{escape(row.priority_label)}</span>'
    tags = "".join(f'<span class="tag">{escape(tag)}</span>' for tag in row.tag_names)
    location = ""
    if row.location_name:
        location = f'<span class="location">{escape(row.location_name)}</span>'
    if row.waiting_since:
        when = (
            f'<span class="wait" title="Waiting since {moment(row.waiting_since)}">'
            f'<span class="visually-hidden">Waiting </span>{wait(row.waiting_since, now)}</span>'
        )
    else:
        when = (
            f'<time class="when" datetime="{row.last_message_at.isoformat()}"'
            f' title="{moment(row.last_message_at)}">'
            f"{wait(row.last_message_at, now)} ago</time>"
        )
    subject = escape(row.subject or "(no subject)")
    return (
        f'<li class="row priority-{escape(row.priority)}" data-row data-id="{row.id}">'
        f'<input type="checkbox" class="pick" name="ids" value="{row.id}" form="bulk" '
        f'aria-label="Select #{row.id} {subject}">'
        f'<a href="{escape(conversation_url)}{row.id}/">'
        f'<span class="channel">{icon(row.channel, row.channel_label)}</span>'
        f'<span class="who">{escape(row.customer_name)}</span>'
        f'<span class="text"><span class="subject">{subject}</span>'
        f'<span class="preview">{escape(row.preview)}</span></span>'
        f'<span class="meta">{priority}'
        f'<span class="badge status-{escape(row.status)}">{escape(row.status_label)}</span>'
        f"{tags}{location}"
        f'<span class="assignee">{escape(row.assignee_name or "Unassigned")}</span>'
        f"{_score_chip(row.survey_answer)}"
        f"</span>{_sla(row.sla_due_at, now)}{when}</a></li>\n"
    )


def _score_chip(answer) -> str:
    """The latest survey answer's score (helpline.feedback), red when bad, green when good."""
    if answer is None:
        return ""
    tone = " bad" if answer.bad else " good" if answer.good else ""
    label = f"{answer.get_kind_display()} {answer.score}"
    return f'<span class="score-chip{tone}" title="Survey: {label}">{label}</span>'


def _sla(due: datetime | None, now: datetime) -> str:
    """The earliest service level due time: how long is left, or how long ago it was breached
    (wall time: the conversation page shows the business time left)."""
    if due is None:
        return '<span class="sla"></span>'
    if due <= now:
        return (
            f'<span class="sla breached" title="Due {moment(due)}">'
            f"SLA breached {wait(due, now)} ago</span>"
        )
    return (
        f'<span class="sla" title="Due {moment(due)}">'
        f"SLA due in {compact_duration((due - now).total_seconds())}</span>"
    )


@register.filter
def wait(since: datetime | None, now: datetime | None = None) -> str:
    """A compact duration from `since` until now: 45s, 12m, 3h 20m, 2d 4h."""
    if since is None:
        return ""
    return compact_duration(((now or timezone.now()) - since).total_seconds())


@register.simple_tag
def when(value: datetime | None, place=None, until: datetime | None = None) -> SafeString:
    """Every time a desk page shows: `{% when message.created_at conversation.location %}`
    is <time>4 Dec 2026, 14:30 · 2h ago</time> in the viewer's zone, "14:30 Berlin time"
    when the place's clock reads otherwise (see helpline.desk.times)."""
    return times.when(value, place, until=until)


@register.simple_tag
def viewer_zone() -> str:
    """What the zone every time on the page is in is called: "London time"."""
    return times.zone_name(timezone.get_current_timezone())


@register.filter
def moment(value: datetime | None, place=None) -> str:
    """The same moment as text, for a title or a sentence: 4 Dec 2026, 14:30."""
    return times.plain(value, place)


@register.filter
def day(value) -> str:
    """A day, as the desk writes days: Friday 4 Dec 2026."""
    return times.format_day(value) if value else ""


@register.filter
def capped(count: int, cap: int) -> str:
    return f"{cap:,}+" if count > cap else f"{count:,}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def error_lines(error) -> list[str]:
    """A field's errors (a list) or one refusal (an ActionError, a sentence), as lines."""
    if isinstance(error, list | tuple):
        return list(error)
    return [error if isinstance(error, SafeString) else str(error)]


@register.filter
def delivery_problem(error: str) -> DeliveryProblem | None:
    return problem_of(error)


@register.simple_tag
def report_rows(rows) -> SafeString:
    """A report table's body (helpline.desk.views.reports.Cell rows), as <tr>s.

    Python rather than a template loop, as for the inbox's rows: a heat map of ten
    locations is 1,680 cells, each a link to its conversations.
    """
    out = []
    for row in rows:
        cells = []
        for cell in row:
            text = escape(cell.text)
            if cell.header:
                cells.append(f'<th scope="row">{text}</th>')
                continue
            shade = f' class="level-{cell.level}"' if cell.level is not None else ""
            inner = f'<a href="{escape(cell.href)}">{text}</a>' if cell.href else text
            cells.append(f'<td data-label="{escape(cell.label)}"{shade}>{inner}</td>')
        out.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(out))


@register.simple_tag(takes_context=True)
def report_pdf_link(context) -> str:
    """ "Download PDF" for a report page that has one (helpline.desk.pdf.EXPORTABLE), with the
    page's filters; nothing on other pages."""
    from django.urls import reverse

    from helpline.desk.pdf import EXPORTABLE

    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else ""
    slug = (name or "").removeprefix("reports-")
    if not name or not name.startswith("reports-") or slug not in EXPORTABLE:
        return ""
    query = request.GET.urlencode()
    href = reverse("desk:reports-pdf", args=[slug]) + (f"?{query}" if query else "")
    return format_html('<a class="pdf" id="report-pdf" href="{}" download>Download PDF</a>', href)
