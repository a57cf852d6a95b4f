"""Which language a customer writes in, read from their own words.

py3langid (a maintained fork of langid.py; its model ships inside the package, nothing is
downloaded) restricted to the languages mail is translated into. A guess counts only when
the text is long enough to say something and the detector is sure of it: a wrong guess
sends mail the customer cannot read, no guess sends the default language.
"""

import threading

from helpline.customers.models import Language

MIN_LETTERS = 12
MIN_PROBABILITY = 0.9

_lock = threading.Lock()
_identifier = None


def _detector():
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(Language.values))
            _identifier = identifier
    return _identifier


def detect(text: str) -> str:
    """The language code of `text`, or "" when it is too short or the guess too unsure."""
    text = (text or "")[:2000]
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return ""
    language, probability = _detector().classify(text)
    return language if probability >= MIN_PROBABILITY else ""
