"""Calibration: conversations that two reviewers or more scored, how much they agree
(agreement.py) and how far apart they are per criterion."""

from dataclasses import dataclass

from django.db.models import Count

from helpline.quality import agreement
from helpline.quality.models import Pick, Review, ReviewAnswer


@dataclass
class Calibrated:
    pick: Pick
    reviews: list[Review]
    # criterion, (reviewer's name, their value) per review, the range
    rows: list[tuple[str, list[tuple[str, int | None]], int | None]]


@dataclass
class Calibration:
    picks: list[Calibrated]
    alpha: float | None
    units: int
    reviewers: int
    criteria: list[agreement.Spread]


def build(picks_queryset, limit: int = 50) -> Calibration:
    """Over the picks given (those the viewer may see)."""
    calibrated = list(
        picks_queryset.annotate(n=Count("reviews"))
        .filter(n__gte=2)
        .select_related("conversation", "agent")
        .order_by("-week", "-id")[:limit]
    )
    reviews = list(
        Review.objects.filter(pick__in=[p.pk for p in calibrated])
        .select_related("reviewer")
        .order_by("pick_id", "submitted_at", "id")
    )
    answers = list(
        ReviewAnswer.objects.filter(review__in=[r.pk for r in reviews])
        .select_related("criterion")
        .order_by("criterion__position", "criterion_id")
    )
    value = {(a.review_id, a.criterion_id): a.value for a in answers}
    names: dict[int, str] = {}
    for a in answers:
        names.setdefault(a.criterion_id, a.criterion.name)
    by_pick: dict[int, list[Review]] = {}
    for review in reviews:
        by_pick.setdefault(review.pick_id, []).append(review)

    overall: dict[tuple[int, int], dict[int, float | None]] = {}
    per_criterion: dict[int, dict[int, dict[int, float | None]]] = {}
    out = []
    for pick in calibrated:
        its = by_pick.get(pick.pk, [])
        rows = []
        for criterion_id, name in names.items():
            values = [value.get((r.pk, criterion_id)) for r in its]
            if all((r.pk, criterion_id) not in value for r in its):
                continue
            known = [v for v in values if v is not None]
            spread = max(known) - min(known) if len(known) >= 2 else None
            named = [(_name(r), v) for r, v in zip(its, values, strict=True)]
            rows.append((name, named, spread))
            for r, v in zip(its, values, strict=True):
                overall.setdefault((pick.pk, criterion_id), {})[r.reviewer_id or 0] = v
                per_criterion.setdefault(criterion_id, {}).setdefault(pick.pk, {})[
                    r.reviewer_id or 0
                ] = v
        out.append(Calibrated(pick, its, rows))

    reviewer_ids = sorted({r.reviewer_id or 0 for r in reviews})
    spreads = []
    for criterion_id, units in per_criterion.items():
        ranges = [
            max(k) - min(k)
            for k in ([v for v in u.values() if v is not None] for u in units.values())
            if len(k) >= 2
        ]
        spreads.append(
            agreement.Spread(
                criterion_id=criterion_id,
                name=names[criterion_id],
                alpha=agreement.alpha(agreement.matrix(units, reviewer_ids)),
                units=len(ranges),
                mean_range=round(sum(ranges) / len(ranges), 2) if ranges else None,
                widest=max(ranges) if ranges else None,
            )
        )
    paired = sum(1 for u in overall.values() if sum(v is not None for v in u.values()) >= 2)
    return Calibration(
        picks=out,
        alpha=agreement.alpha(agreement.matrix(overall, reviewer_ids)),
        units=paired,
        reviewers=len(reviewer_ids),
        criteria=spreads,
    )


def _name(review: Review) -> str:
    reviewer = review.reviewer
    return (reviewer.get_full_name() or reviewer.username) if reviewer else "Former reviewer"
