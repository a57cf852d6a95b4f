"""Accuracy floors on the labeled public datasets, read in place from ../shared/datasets/.

The floors sit just below what bench/insights.py measured (vaderSentiment 3.3.2,
scikit-learn 1.9): amazon accuracy 0.686 / macro-F1 0.767, yelp 0.638 / 0.716, imdb 0.690 /
0.757, abstaining on 18–25 %; themes on Banking77 test (trained on train only, 77 themes):
purity 0.380, adjusted Rand 0.216, NMI 0.602. A change that reads worse fails here.
"""

import pytest

from helpline.insights import accuracy
from tests.conftest import REPO, require

DATASETS = REPO.parent / "shared" / "datasets"

FLOORS = {
    "amazon_cells_labelled.txt": {"accuracy": 0.66, "macro_f1": 0.74, "accuracy_decided": 0.87},
    "yelp_labelled.txt": {"accuracy": 0.61, "macro_f1": 0.69, "accuracy_decided": 0.83},
    "imdb_labelled.txt": {"accuracy": 0.66, "macro_f1": 0.73, "accuracy_decided": 0.82},
}


@pytest.fixture(scope="module")
def datasets():
    require(DATASETS.is_dir(), f"the labeled datasets in {DATASETS}")
    return DATASETS


@pytest.mark.parametrize("name", accuracy.SENTIMENT_FILES)
def test_sentiment_accuracy_per_file(datasets, name):
    rows = accuracy.read_sentences(datasets / "sentiment-labelled-sentences" / name)
    assert len(rows) == 1000
    figures = accuracy.sentiment_accuracy(rows)
    for figure, floor in FLOORS[name].items():
        assert figures[figure] >= floor, (figure, figures)
    assert figures["abstained"] <= 0.28, figures
    assert figures["unknown_language"] <= 0.02, figures  # English is read as English


def test_themes_against_banking77_intents(datasets):
    train, _ = accuracy.read_intents(datasets / "banking77" / "train.csv")
    test, intents = accuracy.read_intents(datasets / "banking77" / "test.csv")
    figures = accuracy.theme_accuracy(train, test, intents, k=77)
    assert figures["purity"] >= 0.35, figures
    assert figures["adjusted_rand"] >= 0.19, figures
    assert figures["nmi"] >= 0.58, figures
    assert figures["unassigned"] <= 0.01, figures
