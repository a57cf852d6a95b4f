"""Themes: recurring subjects learned from the business's own text (scikit-learn).

Training: TF-IDF over the texts (each text without its language's stop words, see
stopwords.py; rare words dropped), then k-means on the unit-length vectors (spherical k-means:
cosine similarity), with k from the number of texts. Each theme keeps its centre's strongest
terms as {term: weight}; its name, until a manager renames it, is its top terms. Assigning a
new text: its TF-IDF vector, the theme whose centre is nearest by cosine. Nothing is pickled: a
model is its vocabulary and idf (JSON), and its themes' weights, so a worker rebuilds it from
the database.

k-means beat NMF on Banking77 (purity, ARI and NMI within a few points) at a sixth of the
training time; the figures are in bench/insights.py.
"""

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version

import numpy as np

from helpline.insights import stopwords

TOP_TERMS = 5  # in a theme's default name
KEPT_WEIGHTS = 300  # strongest terms of a centre kept for assigning and matching
MIN_DOCUMENTS = 20
MIN_K, MAX_K = 2, 80


@dataclass
class Topic:
    terms: list[str]
    weights: dict[str, float]

    @property
    def name(self) -> str:
        return " · ".join(self.terms[:TOP_TERMS])


@dataclass
class Fitted:
    vectorizer: dict
    topics: list[Topic]
    labels: list[int]  # the topic of each training text
    method: str


def choose_k(documents: int) -> int:
    """About one theme per 40 texts' worth of square root: 20 for 1,000 texts, capped."""
    return max(MIN_K, min(MAX_K, round(math.sqrt(documents / 2.5))))


def method_name() -> str:
    return (
        f"scikit-learn {version('scikit-learn')} tf-idf k-means, "
        f"stop words per language (stop-words {version('stop-words')})"
    )


def _vectorizer(**kwargs):
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    return TfidfVectorizer(
        analyzer=stopwords.tokens,
        sublinear_tf=True,
        max_features=20000,
        **kwargs,
    )


def fit(texts: Sequence[str], k: int | None = None, seed: int = 0) -> Fitted:
    from sklearn.cluster import KMeans  # type: ignore[import-untyped]

    k = k or choose_k(len(texts))
    vectorizer = _vectorizer(min_df=2 if len(texts) >= 200 else 1)
    matrix = vectorizer.fit_transform(texts)  # rows are unit length (l2)
    k = min(k, matrix.shape[0])
    kmeans = KMeans(n_clusters=k, random_state=seed, n_init=3).fit(matrix)
    vocabulary = vectorizer.get_feature_names_out()
    topics = []
    for centre in kmeans.cluster_centers_:
        strongest = np.argsort(centre)[::-1][:KEPT_WEIGHTS]
        weights = {str(vocabulary[i]): round(float(centre[i]), 6) for i in strongest if centre[i]}
        topics.append(Topic(terms=list(weights)[:10], weights=weights))
    return Fitted(
        vectorizer={"terms": [str(t) for t in vocabulary], "idf": vectorizer.idf_.tolist()},
        topics=topics,
        labels=[int(label) for label in kmeans.labels_],
        method=method_name(),
    )


class Assigner:
    """Nearest theme by cosine, built from a stored model (vocabulary, idf, themes' weights)."""

    def __init__(self, vectorizer: dict, themes: Sequence[tuple[int, dict[str, float]]]):
        from scipy import sparse  # type: ignore[import-untyped]

        terms = vectorizer["terms"]
        self.vectorizer = _vectorizer(vocabulary={t: i for i, t in enumerate(terms)})
        self.vectorizer.idf_ = np.asarray(vectorizer["idf"])
        self.ids = [theme_id for theme_id, _ in themes]
        index = self.vectorizer.vocabulary
        rows, cols, values = [], [], []
        for row, (_, weights) in enumerate(themes):
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for term, weight in weights.items():
                if term in index:
                    rows.append(row)
                    cols.append(index[term])
                    values.append(weight / norm)
        self.centres = sparse.csr_matrix(
            (values, (rows, cols)), shape=(len(themes), len(terms))
        ).T.tocsr()

    def assign(self, texts: Sequence[str]) -> list[tuple[int | None, float]]:
        """(theme id, cosine similarity) per text; (None, 0) when it shares no word with any."""
        if not self.ids:
            return [(None, 0.0)] * len(texts)
        similarity = (self.vectorizer.transform(texts) @ self.centres).toarray()
        best = similarity.argmax(axis=1)
        return [
            (self.ids[b], round(float(s[b]), 4)) if s[b] > 0 else (None, 0.0)
            for b, s in zip(best, similarity, strict=True)
        ]


def similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two themes' term weights: how a new training finds the themes it had."""
    dot = sum(weight * b[term] for term, weight in a.items() if term in b)
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


MATCH_AT = 0.5  # a new topic at least this similar to an old theme is that theme again


def match(
    new: Sequence[dict[str, float]], old: Sequence[tuple[int, dict[str, float]]]
) -> dict[int, int]:
    """{new topic index: old theme id}: the most similar pairs first, each used once."""
    pairs = sorted(
        (
            (similarity(weights, old_weights), i, theme_id)
            for i, weights in enumerate(new)
            for theme_id, old_weights in old
        ),
        reverse=True,
    )
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for score, i, theme_id in pairs:
        if score < MATCH_AT:
            break
        if i in matched or theme_id in taken:
            continue
        matched[i] = theme_id
        taken.add(theme_id)
    return matched


_cache_lock = threading.Lock()
_cache: dict[tuple, Assigner] = {}


def cached_assigner(key: tuple, build) -> Assigner:
    """One assigner per process and model state (the key changes on training, rename, merge)."""
    with _cache_lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = build()
        return _cache[key]
