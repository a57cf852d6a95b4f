"""Agreement between reviewers: Krippendorff's alpha (ordinal), checked against the
textbook example, and the spread per criterion of conversations reviewed twice."""

import pytest

from helpline.quality import actions as qa
from helpline.quality import calibration
from helpline.quality.agreement import alpha
from tests.quality.conftest import answered

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": four observers, twelve
# units, missing values. Published: nominal 0.743, ordinal 0.815, interval 0.849.
TEXTBOOK = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_the_textbook_example():
    assert alpha(TEXTBOOK) == pytest.approx(0.815, abs=0.0005)


def test_perfect_agreement_and_too_little_to_say():
    assert alpha([[1, 2, 3, 4], [1, 2, 3, 4]]) == 1.0
    assert alpha([[3, 3], [3, 3]]) is None  # one value only: undefined
    assert alpha([[1, 2, 3]]) is None  # one reviewer


@pytest.mark.django_db
def test_calibration_of_a_conversation_two_reviewers_scored(people, north, scorecard):
    understood, tone, identity = scorecard.criteria
    first, second = answered(north, people.nora, 2)
    for conversation, (a, b) in ((first, (5, 3)), (second, (2, 2))):
        pick = qa.choose(people.mona, conversation, people.nora)
        qa.review(people.mona, pick, {understood.pk: a, tone.pk: 4, identity.pk: None})
        qa.review(people.admin, pick, {understood.pk: b, tone.pk: 4, identity.pk: None})
    result = calibration.build(qa.picks_seen_by(people.mona))
    assert len(result.picks) == 2 and result.reviewers == 2
    spread = {s.name: s for s in result.criteria}
    assert spread["Understood the problem"].mean_range == 1.0  # (2 + 0) / 2
    assert spread["Understood the problem"].widest == 2
    assert spread["Tone"].widest == 0
    assert result.units == 4  # two criteria rated twice on two conversations; N/A are not
    assert result.alpha == alpha([[5, 4, 2, 4], [3, 4, 2, 4]])
    from django.test import Client

    client = Client()
    client.force_login(people.mona)
    page = client.get("/quality/calibration/").content.decode()
    assert f"α = {result.alpha:.3f}" in page and 'data-label="Ada"' in page
    client.force_login(people.nora)
    assert client.get("/quality/calibration/").status_code == 403  # for reviewers
