"""How much reviewers agree (calibration): Krippendorff's alpha at the ordinal level.

The ratings are ordered points of a scale whose steps are not known to be equal (a 4 is
better than a 3, not "one unit" better), so the ordinal level is used. Each unit is one
criterion of one conversation; each reviewer is a row; N/A and "not reviewed by this
reviewer" are missing values. Alpha is 1 for perfect agreement, 0 for agreement no better
than chance; 0.8 or more is usually called reliable, below 0.667 unreliable.
Computed by the `krippendorff` package.
"""

import math
from dataclasses import dataclass
from typing import Literal

import krippendorff
import numpy as np

LEVEL: Literal["ordinal"] = "ordinal"
EXPLAINED = (
    "Krippendorff's alpha, ordinal level (the scale's points are ordered, their distances "
    "not assumed equal): 1 is perfect agreement, 0 no better than chance; 0.80 or more is "
    "usually called reliable, under 0.67 unreliable. Each criterion of each conversation "
    "is one unit; N/A counts as not rated."
)


def alpha(rows: list[list[float | None]]) -> float | None:
    """Alpha of reviewers' ratings (one row per reviewer, one column per unit; None is
    missing); None when it cannot be computed (fewer than two values, or one value only)."""
    data = np.array([[np.nan if v is None else float(v) for v in row] for row in rows], dtype=float)
    if data.size == 0 or data.shape[0] < 2:
        return None
    # Only units rated at least twice are pairable.
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    values = data[:, pairable]
    if values.size == 0 or len(set(values[~np.isnan(values)].tolist())) < 2:
        return None
    result = float(krippendorff.alpha(reliability_data=values, level_of_measurement=LEVEL))
    return None if math.isnan(result) else round(result, 3)


@dataclass(frozen=True)
class Spread:
    criterion_id: int
    name: str
    alpha: float | None
    units: int  # conversations this criterion was rated on by two reviewers or more
    mean_range: float | None  # the mean of (highest − lowest) across those conversations
    widest: float | None


def matrix(reviews_by_unit: dict, reviewers: list[int]) -> list[list[float | None]]:
    """Rows per reviewer from {unit: {reviewer_id: value}}."""
    units = sorted(reviews_by_unit)
    return [[reviews_by_unit[u].get(r) for u in units] for r in reviewers]
