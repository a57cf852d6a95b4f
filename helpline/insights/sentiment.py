"""The sentiment of a customer's words: VADER where it knows the language, "unknown" elsewhere.

VADER (vaderSentiment, a lexicon with rules, offline and fast) reads English only. The
language is detected first with py3langid (its model ships in the package) among the
languages customers commonly write in; a text in any other language than one a model covers
is stored as "unknown" with no number, never a wrong one. Text too short to tell (a "thanks!")
is read as English, which is what VADER's lexicon covers.
"""

import re
import threading
from dataclasses import dataclass
from importlib.metadata import version

# What the detector chooses among: restricting it keeps short English from being taken for
# a language with similar words (measured in bench/insights.py).
CANDIDATES = [
    "en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "no", "fi",
    "tr", "ru", "cs", "hu", "ro", "el", "ja", "zh", "ar",
]  # fmt: skip
COVERED = {"en"}
UNKNOWN = "unknown"
MIN_LETTERS = 12  # fewer letters: too short to tell, read as English
NEUTRAL_BAND = 0.05  # VADER's own convention: |compound| < 0.05 is neutral
MAX_CHARS = 5000
QUOTED = re.compile(r"^\s*>.*$", re.MULTILINE)

_lock = threading.Lock()
_state: dict = {}


@dataclass(frozen=True)
class Score:
    language: str
    compound: float | None
    model: str


def model_name() -> str:
    return f"vaderSentiment {version('vaderSentiment')}"


def _analyzer():
    with _lock:
        if "vader" not in _state:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(CANDIDATES)
            _state["langid"] = identifier
            _state["vader"] = SentimentIntensityAnalyzer()
            _state["model"] = model_name()
    return _state["vader"], _state["langid"], _state["model"]


def language_of(text: str) -> str:
    _, identifier, _ = _analyzer()
    if sum(ch.isalpha() for ch in text[:2000]) < MIN_LETTERS:
        return "en"
    language, _probability = identifier.classify(text[:2000])
    return language


def plausible_languages(text: str, at_least: float = 0.05) -> list[str]:
    """The languages `text` may be in, likeliest first; every candidate when it is too short."""
    _, identifier, _ = _analyzer()
    if sum(ch.isalpha() for ch in text[:2000]) < MIN_LETTERS:
        return list(CANDIDATES)
    ranked = identifier.rank(text[:2000])
    return [ranked[0][0]] + [language for language, p in ranked[1:] if p >= at_least]


def score(text: str) -> Score:
    """The compound score (-1 to 1) of `text`, or None with its language when not covered."""
    vader, _, model = _analyzer()
    text = QUOTED.sub("", text or "")[:MAX_CHARS].strip()
    language = language_of(text)
    if language not in COVERED:
        return Score(language, None, model)
    return Score(language, round(vader.polarity_scores(text)["compound"], 4), model)


def label(compound: float | None) -> str:
    """ "positive", "negative", "neutral", or "unknown" (no number)."""
    if compound is None:
        return UNKNOWN
    if compound >= NEUTRAL_BAND:
        return "positive"
    if compound <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"
