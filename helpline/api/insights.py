"""/api: the sentiment and theme of a message, and the themes (list, rename, merge, correct).

Reading is for everyone signed in, within the locations they serve (a theme's figures count
only their texts). Renaming and merging themes, and correcting a message's theme, is for
managers and admins (403 for agents).
"""

from datetime import datetime

from django.http import Http404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from helpline.access import get_message_for
from helpline.api.errors import FieldError
from helpline.api.schemas import ErrorOut
from helpline.core.models import Role, User
from helpline.insights import actions, sentiment, stats
from helpline.insights.models import Text, Theme

router = Router(tags=["insights"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ThemeRef(Schema):
    id: int
    name: str


class InsightOut(Schema):
    message_id: int
    analysed: bool = Field(description="False until the worker has read the message")
    language: str | None = Field(
        None, description='ISO 639-1; its sentiment is "unknown" when no model covers it'
    )
    sentiment: str | None = Field(None, description="positive, negative, neutral or unknown")
    compound: float | None = Field(None, description="VADER compound, -1 to 1; null if unknown")
    model: str | None = None
    scored_at: datetime | None = None
    theme: ThemeRef | None = None
    theme_corrected: bool = False


class ThemeOut(Schema):
    id: int
    name: str
    renamed: bool
    terms: list[str]
    volume: int = Field(description="Texts at your locations in the weeks counted")
    scored: int = Field(description="Of those, texts with a linked survey answer")
    bad: int = Field(description="Of those, with a bad score (CSAT ≤ 2, NPS ≤ 6, CES ≤ 3)")
    bad_share: float | None
    weeks: list[int] = Field(description="Texts per week, oldest first, the current week last")


class RenameIn(Schema):
    name: str = Field(..., max_length=120, description="Empty: named by its top terms again")


class MergeIn(Schema):
    into_id: int


class ThemeChoiceIn(Schema):
    theme_id: int


def _insight(message_id: int, text: Text | None) -> dict:
    if text is None:
        return {"message_id": message_id, "analysed": False}
    theme = text.theme
    return {
        "message_id": message_id,
        "analysed": text.scored_at is not None,
        "language": text.language,
        "sentiment": sentiment.label(text.compound) if text.scored_at else None,
        "compound": text.compound,
        "model": text.model,
        "scored_at": text.scored_at,
        "theme": {"id": theme.pk, "name": theme.name} if theme else None,
        "theme_corrected": text.theme_set_by_id is not None,
    }


def _text_of(message_id: int) -> Text | None:
    return Text.objects.select_related("theme").filter(message_id=message_id).first()


def _manager(user: User) -> None:
    if not (user.sees_everything or user.role == Role.MANAGER):
        raise HttpError(403, "Only managers and admins change themes.")


def _theme(pk: int, field: str | None = None) -> Theme:
    theme = Theme.objects.filter(pk=pk).first()
    if theme is None:
        if field:
            raise FieldError(field, "no such theme")
        raise Http404("No such theme")
    return theme


@router.get("/messages/{int:message_id}/insight", response={200: InsightOut, **ERRORS})
def get_message_insight(request, message_id: int):
    """The sentiment and theme of a customer's message (analysed: false until it is read)."""
    message = get_message_for(request.auth, message_id)
    return _insight(message.pk, _text_of(message.pk))


@router.put("/messages/{int:message_id}/theme", response={200: InsightOut, **ERRORS})
def set_message_theme(request, message_id: int, payload: ThemeChoiceIn):
    """Correct the theme of a message (managers); re-training keeps the correction."""
    message = get_message_for(request.auth, message_id)
    _manager(request.auth)
    text = _text_of(message.pk)
    if text is None:
        raise FieldError(None, "this message has not been read yet (or is not a customer's)")
    actions.correct_theme(request.auth, text, _theme(payload.theme_id, "theme_id"))
    return _insight(message.pk, _text_of(message.pk))


def _theme_out(row: stats.ThemeFigures) -> dict:
    return {
        "id": row.theme.pk,
        "name": row.theme.name,
        "renamed": row.theme.named_by_id is not None,
        "terms": row.theme.terms,
        "volume": row.volume,
        "scored": row.scored,
        "bad": row.bad,
        "bad_share": row.bad_share,
        "weeks": row.weeks,
    }


@router.get("/themes", response={200: list[ThemeOut], **ERRORS})
def list_themes(request):
    """The current themes, biggest first, with their figures over the last 8 weeks."""
    return [_theme_out(row) for row in stats.figures(request.auth)]


def _one(user: User, theme: Theme) -> dict:
    row = next((r for r in stats.figures(user) if r.theme.pk == theme.pk), None)
    return _theme_out(row or stats.ThemeFigures(theme, weeks=[0] * stats.WEEKS))


@router.patch("/themes/{int:theme_id}", response={200: ThemeOut, **ERRORS})
def rename_theme(request, theme_id: int, payload: RenameIn):
    """Name a theme (managers); the name survives re-training."""
    _manager(request.auth)
    theme = actions.rename_theme(request.auth, _theme(theme_id), payload.name)
    return _one(request.auth, theme)


@router.post("/themes/{int:theme_id}/merge", response={200: ThemeOut, **ERRORS})
def merge_theme(request, theme_id: int, payload: MergeIn):
    """Merge this theme into another (managers): its texts move and stay there."""
    _manager(request.auth)
    source = _theme(theme_id)
    target = actions.merge_themes(request.auth, [source], _theme(payload.into_id, "into_id"))
    return _one(request.auth, target)
