"""A review's score, defined here once (the pages show RULE).

Each answered criterion counts as a share of its scale: on 1–5, a 1 is 0 %, a 3 is 50 %
and a 5 is 100 %. The review's score is the mean of those shares weighted by each
criterion's weight; N/A answers are left out of both the sum and the weights. If an
auto-fail criterion is scored at the lowest point of the scale, the whole review is 0 %,
whatever the rest. A review whose every answer is N/A has no score.
"""

from dataclasses import dataclass

RULE = (
    "Each answered criterion counts as a share of the scale (on 1–5: 1 is 0 %, 3 is 50 %, "
    "5 is 100 %). The score is the mean of those shares, weighted by each criterion's weight; "
    "N/A answers are left out. An auto-fail criterion scored at the lowest point makes the "
    "whole review 0 %. A review answered N/A throughout has no score."
)


@dataclass(frozen=True)
class Mark:
    value: int | None  # None: N/A
    weight: int
    auto_fail: bool = False


@dataclass(frozen=True)
class Score:
    percent: float | None
    auto_failed: bool


def share(value: int, low: int, high: int) -> float:
    """How far up the scale a value is, 0.0 to 1.0."""
    return (value - low) / (high - low)


def score(marks: list[Mark], low: int, high: int) -> Score:
    answered = [m for m in marks if m.value is not None]
    if any(m.auto_fail and m.value == low for m in answered):
        return Score(0.0, True)
    weights = sum(m.weight for m in answered)
    if not answered or weights == 0:
        return Score(None, False)
    total = 0.0
    for m in answered:
        total += m.weight * share(m.value or 0, low, high)
    return Score(round(100 * total / weights, 1), False)
