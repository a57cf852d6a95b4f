"""Themes: what customers write about, with volume, share of bad scores and weekly trend.

Everyone sees the figures of their locations; managers and admins rename and merge themes
and correct a text's theme (agents get 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from helpline.core.errors import ActionError
from helpline.core.models import Role
from helpline.core.params import is_id, parse_id
from helpline.insights import actions, stats
from helpline.insights.models import Text, Theme

SHOWN_TEXTS = 20
BAR_HEIGHT = 24


def _may_change(user) -> bool:
    return user.sees_everything or user.role == Role.MANAGER


@login_required
@require_http_methods(["GET", "HEAD"])
def theme_list(request):
    return _render(request)


def _render(request, typed: dict | None = None, status: int = 200):
    rows = stats.figures(request.user)
    peak = max((n for row in rows for n in row.weeks), default=0) or 1
    for row in rows:
        row.bars = [  # type: ignore[attr-defined]
            (i * 8, BAR_HEIGHT - round(BAR_HEIGHT * n / peak), round(BAR_HEIGHT * n / peak), n)
            for i, n in enumerate(row.weeks)
        ]
    chosen = None
    texts: list[Text] = []
    theme_id = request.GET.get("theme", "")
    if theme_id:
        chosen = Theme.objects.filter(pk=parse_id(theme_id, "theme")).first()
    if chosen is not None:
        texts = list(
            Text.objects.visible_to(request.user)
            .filter(theme=chosen)
            .select_related("message", "theme")
            .order_by("-written_at", "-id")[:SHOWN_TEXTS]
        )
    context = {
        "nav": "themes",
        "rows": rows,
        "model": actions.active_model(),
        "may_change": _may_change(request.user),
        "chosen": chosen,
        "texts": texts,
        "choices": [row.theme for row in rows],
        "weeks": stats.WEEKS,
        "typed": typed or {},
        "bar_width": 8 * stats.WEEKS,
        "bar_height": BAR_HEIGHT,
    }
    return render(request, "insights/themes.html", context, status=status)


def _theme(pk: int) -> Theme:
    theme = Theme.objects.filter(pk=pk).first()
    if theme is None:
        raise Http404("No such theme")
    return theme


def _guard(request) -> None:
    if not _may_change(request.user):
        raise PermissionDenied("Only managers and admins change themes.")


@login_required
@require_POST
def theme_rename(request, pk: int):
    theme = _theme(pk)
    _guard(request)
    name = request.POST.get("name", "")
    try:
        theme = actions.rename_theme(request.user, theme, name)
    except ActionError as exc:
        typed = {"id": pk, "field": "name", "name": name, "error": str(exc)}
        return _render(request, typed, status=400)
    messages.success(request, f"Renamed: {theme.name}")
    return redirect("desk:themes")


@login_required
@require_POST
def theme_merge(request, pk: int):
    theme = _theme(pk)
    _guard(request)
    into = request.POST.get("into", "")
    target = Theme.objects.filter(pk=int(into)).first() if is_id(into) else None
    try:
        if target is None:
            raise ActionError("choose the theme to merge into", "into")
        target = actions.merge_themes(request.user, [theme], target)
    except ActionError as exc:
        typed = {"id": pk, "field": "into", "error": str(exc)}
        return _render(request, typed, status=400)
    messages.success(request, f"Merged “{theme.name}” into “{target.name}”.")
    return redirect("desk:themes")


@login_required
@require_POST
def text_theme(request, pk: int):
    text = Text.objects.visible_to(request.user).filter(pk=pk).first()
    if text is None:
        raise Http404("No such text")
    _guard(request)
    chosen = request.POST.get("theme", "")
    theme = Theme.objects.filter(pk=int(chosen)).first() if is_id(chosen) else None
    if theme is None:
        typed = {"id": pk, "field": "theme", "error": "choose a theme"}
        return _render(request, typed, status=400)
    actions.correct_theme(request.user, text, theme)
    messages.success(request, f"Moved to “{theme.name}”.")
    return redirect(f"{reverse('desk:themes')}?theme={theme.pk}")


urlpatterns = [
    path("insights/themes/", theme_list, name="themes"),
    path("insights/themes/<int:pk>/rename/", theme_rename, name="theme-rename"),
    path("insights/themes/<int:pk>/merge/", theme_merge, name="theme-merge"),
    path("insights/texts/<int:pk>/theme/", text_theme, name="text-theme"),
]
