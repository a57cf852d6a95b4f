"""Stop words for every language the desk detects, so no theme is named "und · der · die".

Each text loses the stop words of its own language (detected as for sentiment, with
py3langid; of each language it may be in, when the detector is unsure) and English's, which
every mailbox mixes in (signatures, quoted headers, "thanks"). The same word can be a stop word
in one language and the subject in another ("sent" is Swedish for "late", "want" Dutch for
"because", "email" a Czech word), so one union of every list would strip "email" and "sent"
from an English desk's themes; per language it does not.

English is scikit-learn's own list (the one the theme figures were first measured with); every
other language the detector chooses among (sentiment.CANDIDATES) takes its list from the
stop-words package (python-stop-words, BSD-3-Clause, on PyPI), which ships them as plain
text files: nothing is downloaded at run time. Each word is also split the way the vectoriser
splits text, so that French "c'est" stops "est" as well.
"""

import re
from functools import cache

from helpline.insights.sentiment import CANDIDATES, plausible_languages

# py3langid's codes that python-stop-words names otherwise; a language it lacks has English's.
PACKAGE_CODE = {"no": "nb"}

# The vectoriser's tokens (scikit-learn's default pattern): words of two or more characters.
TOKEN = re.compile(r"(?u)\b\w\w+\b")


def languages() -> list[str]:
    """The languages whose stop words are known: every one the detector may answer."""
    return list(CANDIDATES)


def _listed(language: str) -> frozenset[str]:
    if language == "en":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # type: ignore[import-untyped]

        return frozenset(ENGLISH_STOP_WORDS)
    from stop_words import LANGUAGE_MAPPING, StopWordError, get_stop_words  # type: ignore[import-untyped]

    code = PACKAGE_CODE.get(language, language)
    if code not in LANGUAGE_MAPPING:
        return frozenset()
    try:
        return frozenset(get_stop_words(code, cache=True))
    except StopWordError:
        return frozenset()


@cache
def of_language(language: str) -> frozenset[str]:
    """`language`'s stop words as the vectoriser's tokens (lower case), English's among them."""
    words: set[str] = set()
    for listed in (_listed("en"), _listed(language) if language != "en" else frozenset()):
        for word in listed:
            word = word.strip().lower()
            words.update(TOKEN.findall(word))
    return frozenset(words)


@cache
def of_languages(languages: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(of_language(language) for language in languages))


def tokens(text: str) -> list[str]:
    """The words of `text` that can name a theme: lower case, its language's stop words out.

    When the detector is unsure (a short text, or a second language with 5% or more), the
    stop words of every language it may be in go: a Portuguese "não existe" too short to tell
    must not leave "não" to name a theme.
    """
    stop = of_languages(tuple(plausible_languages(text)))
    return [token for token in TOKEN.findall(text.lower()) if token not in stop]
