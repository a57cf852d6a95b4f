"""Every change to sentiment and themes: scoring, assigning, training, renaming, merging."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from helpline.conversations.models import Direction, Message, MessageKind
from helpline.core.activity import record
from helpline.core.chunks import chunked
from helpline.core.errors import ActionError
from helpline.core.events import EventName, publish
from helpline.core.models import Role, User
from helpline.insights import sentiment, themes
from helpline.insights.models import Source, SurveyScore, Text, Theme, ThemeModel
from helpline.insights.verbs import Verb

# A bad score, by survey kind (the thresholds, shared with service recovery).
BAD_AT_MOST = {"csat": 2, "nps": 6, "ces": 3}
TRAIN_LIMIT = 50_000  # the most recent texts a training reads


def is_bad(kind: str, score: int) -> bool:
    return kind in BAD_AT_MOST and score <= BAD_AT_MOST[kind]


def wants_message(message: Message) -> bool:
    """A customer's own words: inbound, not a robot's (auto-reply, bounce, bulk), with text."""
    return (
        message.direction == Direction.INBOUND
        and message.kind == MessageKind.NORMAL
        and message.author_id is None
        and bool(message.text.strip())
    )


# Scoring ---------------------------------------------------------------------


def analyse_message(message_id: int) -> Text | None:
    """Score a customer's message (its new text, without the quoted history) and give it a
    theme; once: a second delivery of the same event changes nothing."""
    message = Message.objects.select_related("conversation").filter(pk=message_id).first()
    if message is None or not wants_message(message):
        return None
    conversation = message.conversation
    text, created = Text.objects.get_or_create(
        source=Source.MESSAGE,
        source_id=message.pk,
        defaults={
            "message": message,
            "conversation": conversation,
            "customer_id": conversation.customer_id,
            "location_id": conversation.location_id,
            "written_at": message.created_at,
        },
    )
    if created:
        _score(text, message.text)
        _theme(text, message.text)
    return text


def analyse_survey_answer(payload: dict) -> Text | None:
    """Keep a survey answer's score (for the themes' bad-score share) and read its comment.

    A changed answer (`changed`) replaces the score and, when the comment changed, its reading.
    """
    answered_at = datetime.fromisoformat(payload["answered_at"])
    SurveyScore.objects.update_or_create(
        answer_id=payload["answer_id"],
        defaults={
            "kind": payload["kind"],
            "score": payload["score"],
            "bad": is_bad(payload["kind"], payload["score"]),
            "conversation_id": payload.get("conversation_id"),
            "location_id": payload.get("location_id"),
            "answered_at": answered_at,
        },
    )
    comment = (payload.get("comment") or "").strip()
    existing = Text.objects.filter(source=Source.SURVEY_ANSWER, source_id=payload["answer_id"])
    text = existing.first()
    if text is not None and text.comment == comment:
        return text
    if not comment:
        existing.delete()  # the changed answer took its comment back
        return None
    if text is None:
        text = Text(source=Source.SURVEY_ANSWER, source_id=payload["answer_id"])
    text.comment = comment
    text.conversation_id = payload.get("conversation_id")
    text.customer_id = payload.get("customer_id")
    text.location_id = payload.get("location_id")
    text.written_at = answered_at
    text.save()
    _score(text, comment)
    if text.theme_set_by_id is None:
        _theme(text, comment)
    return text


def _score(text: Text, body: str) -> None:
    result = sentiment.score(body)
    text.language, text.compound, text.model = result.language, result.compound, result.model
    text.scored_at = timezone.now()
    text.save(update_fields=["language", "compound", "model", "scored_at"])
    publish(
        EventName.TEXT_SCORED,
        source=text.source,
        source_id=text.source_id,
        conversation_id=text.conversation_id,
        customer_id=text.customer_id,
        location_id=text.location_id,
        language=text.language,
        compound=text.compound,
        model=text.model,
    )


# Themes ----------------------------------------------------------------------


def active_model() -> ThemeModel | None:
    """The current training, without its vocabulary (read only to build an assigner)."""
    current = ThemeModel.objects.filter(active=True).defer("vectorizer")
    return current.order_by("-trained_at", "-id").first()


def _assigner() -> themes.Assigner | None:
    model = active_model()
    if model is None:
        return None
    current = Theme.objects.filter(model=model, merged_into__isnull=True)
    # A training or a merge changes the ids; the weights are read only when it did.
    key = (model.pk, tuple(current.values_list("id", flat=True)))
    return themes.cached_assigner(
        key, lambda: themes.Assigner(model.vectorizer, list(current.values_list("id", "weights")))
    )


def _theme(text: Text, body: str) -> None:
    assigner = _assigner()
    if assigner is None:
        return
    [(theme_id, similarity)] = assigner.assign([body])
    if theme_id is None:
        return
    _set_theme(text, Theme.objects.get(pk=theme_id), similarity, None)


def _set_theme(text: Text, theme: Theme, similarity: float | None, actor: User | None) -> None:
    text.theme, text.theme_similarity, text.theme_set_by = theme, similarity, actor
    text.save(update_fields=["theme", "theme_similarity", "theme_set_by"])
    publish(
        EventName.TEXT_THEMED,
        source=text.source,
        source_id=text.source_id,
        conversation_id=text.conversation_id,
        customer_id=text.customer_id,
        theme_id=theme.pk,
        theme_name=theme.name,
    )


def _corpus(limit: int = TRAIN_LIMIT) -> list[tuple[Text, str]]:
    rows = (
        Text.objects.select_related("message")
        .only("id", "source", "comment", "theme_id", "theme_set_by_id", "message__text")
        .order_by("-written_at", "-id")[:limit]
    )
    return [(text, text.body) for text in rows if text.body.strip()]


def retrain(actor: User | None = None, *, k: int | None = None) -> ThemeModel | None:
    """Learn the themes again from the latest texts; keep the themes found again.

    A new topic whose centre is close to a current theme's (cosine ≥ `themes.MATCH_AT`, most
    similar pairs first) is that theme: it keeps its id and a manager's name; a merged theme
    found again folds into the one it was merged into. Texts a manager corrected keep their
    theme; every other text is assigned again. None when there is too little text.
    """
    corpus = _corpus()
    if len(corpus) < themes.MIN_DOCUMENTS:
        return None
    fitted = themes.fit([body for _, body in corpus], k=k)
    now = timezone.now()
    with transaction.atomic():
        old = list(Theme.objects.filter(model__isnull=False).values_list("id", "weights"))
        matched = themes.match([topic.weights for topic in fitted.topics], old)
        ThemeModel.objects.filter(active=True).update(active=False)
        model = ThemeModel.objects.create(
            trained_at=now,
            documents=len(corpus),
            vectorizer=fitted.vectorizer,
            method=fitted.method,
            active=True,
        )
        Theme.objects.filter(model__isnull=False).update(model=None)
        by_topic: dict[int, Theme] = {}
        for index, topic in enumerate(fitted.topics):
            theme = Theme.objects.filter(pk=matched[index]).first() if index in matched else None
            if theme is None:
                theme = Theme(created_at=now)
            while theme.merged_into_id is not None:  # a merged theme found again
                theme = Theme.objects.get(pk=theme.merged_into_id)
            if theme.model_id == model.pk:  # two topics land on one merged theme: add up
                theme.weights = _sum_weights(theme.weights, topic.weights)
            else:
                theme.weights = topic.weights
                theme.terms = topic.terms
            if theme.named_by_id is None:
                theme.name = topic.name
            theme.model = model
            theme.save()
            by_topic[index] = theme
        moves: dict[int, list[int]] = defaultdict(list)
        for (text, _), label in zip(corpus, fitted.labels, strict=True):
            if text.theme_set_by_id is None and text.theme_id != by_topic[label].pk:
                moves[by_topic[label].pk].append(text.pk)
        for theme_id, text_ids in moves.items():
            for chunk in chunked(text_ids, 500):
                Text.objects.filter(pk__in=chunk).update(theme_id=theme_id, theme_similarity=None)
        record(actor, Verb.THEMES_TRAINED, model, themes=len(set(by_topic.values())))
    return model


def _sum_weights(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    summed = dict(a)
    for term, weight in b.items():
        summed[term] = summed.get(term, 0.0) + weight
    strongest = sorted(summed.items(), key=lambda item: -item[1])[: themes.KEPT_WEIGHTS]
    return dict(strongest)


def _manager(actor: User) -> None:
    if not (actor.sees_everything or actor.role == Role.MANAGER):
        raise ActionError("only a manager or an admin may change themes")


def rename_theme(actor: User, theme: Theme, name: str) -> Theme:
    """Name a theme; the name stays through re-training (empty: back to its top terms)."""
    _manager(actor)
    name = " ".join((name or "").split())
    if len(name) > 120:
        raise ActionError("at most 120 characters", "name")
    with transaction.atomic():
        theme = Theme.objects.select_for_update().get(pk=theme.pk)
        before = theme.name
        theme.name = name or " · ".join(theme.terms[: themes.TOP_TERMS]) or before
        theme.named_by = actor if name else None
        theme.save(update_fields=["name", "named_by"])
        record(actor, Verb.THEME_RENAMED, theme, before=before, after=theme.name)
    return theme


def merge_themes(actor: User, sources: Iterable[Theme], target: Theme) -> Theme:
    """Fold themes into `target`: their texts move, and re-training keeps them together."""
    _manager(actor)
    ids = sorted({theme.pk for theme in sources} - {target.pk})
    if not ids:
        raise ActionError("choose at least one other theme to merge", "themes")
    with transaction.atomic():
        target = Theme.objects.select_for_update().get(pk=target.pk)
        if target.merged_into_id is not None:
            raise ActionError("that theme was merged into another", "into")
        merging = list(Theme.objects.select_for_update().filter(pk__in=ids))
        weights = target.weights
        for theme in merging:
            if theme.model_id and theme.model_id == target.model_id:
                weights = _sum_weights(weights, theme.weights)
        target.weights = weights
        target.save(update_fields=["weights"])
        Theme.objects.filter(Q(pk__in=ids) | Q(merged_into_id__in=ids)).update(merged_into=target)
        Text.objects.filter(theme_id__in=ids).update(theme=target)
        record(actor, Verb.THEMES_MERGED, target, merged=[t.name for t in merging], ids=ids)
    return target


def correct_theme(actor: User, text: Text, theme: Theme) -> Text:
    """A manager's theme for one text: kept through re-training."""
    _manager(actor)
    if not actor.serves(text.location_id):
        raise ActionError("not a text of your locations", "text")
    while theme.merged_into_id is not None:
        theme = Theme.objects.get(pk=theme.merged_into_id)
    with transaction.atomic():
        text = Text.objects.select_for_update().get(pk=text.pk)
        before = text.theme.name if text.theme else ""
        _set_theme(text, theme, None, actor)
        record(actor, Verb.THEME_CORRECTED, theme, text_id=text.pk, before=before)
    return text


def follow_merged_customer(source_id: int, target_id: int) -> dict:
    """A merge of customers gives the target the source's texts (returned for the merge's log)."""
    ids = list(Text.objects.filter(customer_id=source_id).values_list("pk", flat=True))
    for chunk in chunked(ids):
        Text.objects.filter(pk__in=chunk).update(customer_id=target_id)
    return {"insights_text_ids": ids}


def follow_unmerged_customer(source_id: int, target_id: int, merged: dict) -> None:
    """An unmerge takes back the texts the merge moved and those on conversations it took back."""
    moved = set(merged.get("insights_text_ids", []))
    back = [
        pk
        for pk, owner in Text.objects.filter(customer_id=target_id).values_list(
            "pk", "conversation__customer_id"
        )
        if pk in moved or owner == source_id
    ]
    for chunk in chunked(back):
        Text.objects.filter(pk__in=chunk).update(customer_id=source_id)
