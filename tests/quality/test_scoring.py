"""A review's score: the weighted mean of the answered criteria as shares of the scale, N/A
left out, 0 when an auto-fail criterion is at the scale's lowest point."""

import pytest

from helpline.core.errors import ActionError
from helpline.quality import actions as qa
from helpline.quality.models import Review
from helpline.quality.scoring import Mark, score


def test_weighted_mean_of_shares_of_the_scale():
    # 5 of 1–5 is 100 %, 3 is 50 %: weights 2 and 1 → (2·100 + 1·50) / 3
    assert score([Mark(5, 2), Mark(3, 1)], 1, 5).percent == pytest.approx(83.3)


def test_na_is_left_out_of_sum_and_weights():
    with_na = score([Mark(5, 2), Mark(None, 10), Mark(1, 2)], 1, 5)
    assert with_na.percent == 50.0 and not with_na.auto_failed


def test_all_na_has_no_score():
    assert score([Mark(None, 1), Mark(None, 3)], 1, 5).percent is None


def test_an_auto_fail_criterion_at_its_lowest_point_makes_the_review_zero():
    failed = score([Mark(5, 5), Mark(1, 1, auto_fail=True)], 1, 5)
    assert failed.percent == 0.0 and failed.auto_failed
    # the same criterion at 2, or N/A, fails nothing
    assert score([Mark(5, 5), Mark(2, 1, auto_fail=True)], 1, 5).percent == 87.5  # (5·100 + 25) / 6
    assert score([Mark(5, 5), Mark(None, 1, auto_fail=True)], 1, 5).percent == 100.0


def test_another_scale():
    assert score([Mark(0, 1), Mark(10, 1), Mark(5, 2)], 0, 10).percent == 50.0


def _pick(people, north):
    from tests.quality.conftest import answered

    (conversation,) = answered(north, people.nora, 1)
    return qa.choose(people.mona, conversation, people.nora)


@pytest.mark.django_db
def test_a_review_stores_its_score_and_the_weights_it_was_scored_with(people, north, scorecard):
    understood, tone, identity = scorecard.criteria
    pick = _pick(people, north)
    review = qa.review(people.mona, pick, {understood.pk: 4, tone.pk: None, identity.pk: 5})
    assert review.score == 83.3 and not review.auto_failed  # (2·75 + 1·100) / 3
    qa.change_criterion(people.admin, understood, weight=9)  # a later change changes no score
    review.refresh_from_db()
    assert review.score == 83.3
    assert review.answers.get(criterion=understood).weight == 2

    again = qa.review(people.mona, pick, {understood.pk: 5, tone.pk: 5, identity.pk: 1})
    assert again.pk == review.pk and again.score == 0.0 and again.auto_failed
    assert Review.objects.count() == 1


@pytest.mark.django_db
def test_a_review_names_what_is_wrong(people, north, scorecard):
    understood, tone, identity = scorecard.criteria
    pick = _pick(people, north)
    with pytest.raises(ActionError) as missing:
        qa.review(people.mona, pick, {understood.pk: 4, tone.pk: 4})
    assert missing.value.field == f"scores.{identity.pk}"
    with pytest.raises(ActionError) as not_na:
        qa.review(people.mona, pick, {understood.pk: None, tone.pk: 4, identity.pk: 4})
    assert not_na.value.field == f"scores.{understood.pk}"
    with pytest.raises(ActionError) as outside:
        qa.review(people.mona, pick, {understood.pk: 6, tone.pk: 4, identity.pk: 4})
    assert outside.value.field == f"scores.{understood.pk}"
    with pytest.raises(PermissionError):
        qa.review(people.nora, pick, {understood.pk: 5, tone.pk: 5, identity.pk: 5})
    assert not Review.objects.exists()
