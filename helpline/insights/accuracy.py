"""Accuracy of sentiment and themes on labeled public data, read in place (never copied).

`../shared/datasets/` (see its README): three files of review sentences labeled positive or
negative, and Banking77's customer messages with 77 intents. Used by bench/insights.py, which
prints the figures, and by the tests, which hold floors set from them.

Sentiment: the model's neutral band (|compound| < 0.05) and "unknown" are a third answer, an
abstention; accuracy counts it as wrong (and `accuracy_decided` leaves it out), macro-F1 is
over the two labeled classes. Themes: trained on train.csv only, each test.csv message
assigned as production does (nearest theme by cosine), compared with its intent.
"""

import csv
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from helpline.insights import sentiment, themes

SENTIMENT_FILES = ("amazon_cells_labelled.txt", "yelp_labelled.txt", "imdb_labelled.txt")


def read_sentences(path: Path) -> list[tuple[str, int]]:
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        sentence, _, label = line.rpartition("\t")
        if sentence and label.strip() in ("0", "1"):
            rows.append((sentence, int(label)))
    return rows


def read_intents(path: Path) -> tuple[list[str], list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], [row["category"] for row in rows]


def sentiment_accuracy(rows: Sequence[tuple[str, int]]) -> dict:
    from sklearn.metrics import f1_score  # type: ignore[import-untyped]

    truth, predicted = [], []
    for text, label in rows:
        answer = sentiment.label(sentiment.score(text).compound)
        truth.append(label)
        predicted.append({"positive": 1, "negative": 0}.get(answer, -1))
    decided = [(t, p) for t, p in zip(truth, predicted, strict=True) if p != -1]
    return {
        "sentences": len(rows),
        "accuracy": round(
            sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(rows), 4
        ),
        "accuracy_decided": round(sum(t == p for t, p in decided) / len(decided), 4),
        "macro_f1": round(float(f1_score(truth, predicted, labels=[0, 1], average="macro")), 4),
        "abstained": round(1 - len(decided) / len(rows), 4),
        "unknown_language": round(_unknown(rows), 4),
    }


def _unknown(rows: Sequence[tuple[str, int]]) -> float:
    return sum(sentiment.score(text).compound is None for text, _ in rows) / len(rows)


def purity(truth: Sequence[str], clusters: Sequence[object]) -> float:
    best: dict[object, int] = {}
    for (cluster, _label), count in Counter(zip(clusters, truth, strict=True)).items():
        best[cluster] = max(best.get(cluster, 0), count)
    return sum(best.values()) / len(truth)


def theme_accuracy(
    train: Sequence[str], test: Sequence[str], intents: Sequence[str], k: int
) -> dict:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    fitted = themes.fit(train, k=k)
    assigner = themes.Assigner(fitted.vectorizer, list(enumerate(t.weights for t in fitted.topics)))
    clusters = [theme_id for theme_id, _ in assigner.assign(test)]
    labels = [-1 if c is None else c for c in clusters]
    return {
        "train": len(train),
        "test": len(test),
        "themes": k,
        "purity": round(purity(intents, labels), 4),
        "adjusted_rand": round(float(adjusted_rand_score(intents, labels)), 4),
        "nmi": round(float(normalized_mutual_info_score(intents, labels)), 4),
        "unassigned": round(clusters.count(None) / len(clusters), 4),
        "method": fitted.method,
    }
