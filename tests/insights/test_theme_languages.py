"""Theme names in a mixed-language desk: no "und", "der", "que" or "les" among them.

Real text in many languages: the replies in ../shared/fixtures/mail_parser_reply (13
languages, written by people outside this project) and the sentences translators wrote for
Django's own messages in those languages (its installed .po files), with Banking77's customer
messages as the English mail, all read in place.
"""

import re
from collections import Counter
from pathlib import Path

import django
import pytest

from helpline.insights import accuracy, stopwords, themes
from helpline.insights.sentiment import language_of
from tests.conftest import REPO, SHARED_FIXTURES, require

REPLIES = SHARED_FIXTURES / "mail_parser_reply" / "test" / "emails"
INTENTS = REPO.parent / "shared" / "datasets" / "banking77" / "train.csv"
DJANGO = Path(django.__file__).parent
# Django's catalogue codes for the languages the desk must handle, and a few more it sees.
CATALOGUES = ["de", "es", "fr", "it", "nl", "pt", "pt_BR", "da", "sv", "pl", "cs", "hu"]

# The commonest function words of each language, written here rather than taken from the
# stop-word lists under test: if any of them names a theme, the fix has failed.
FUNCTION_WORDS = {
    "en": "the and of to in is that for it with you this",
    "de": "und der die das ist nicht ein eine zu den mit sie ich sich auf für von",
    "es": "que el la los las de en un una por con para es del se lo",
    "fr": "les le la des de du et est une un que pour dans pas qui sur vous",
    "it": "il di che non per una del della sono gli le da con si",
    "nl": "de het een en van niet dat die zijn voor met op te",
    "pt": "que não uma os de em para com do da por se ou um",
    "da": "og det er en af til ikke som på med den",
    "sv": "och att det är som en av för med till den inte",
    "pl": "nie się jest na że do to jak dla lub",
}
EVERY_FUNCTION_WORD = {word for words in FUNCTION_WORDS.values() for word in words.split()}

MSGSTR = re.compile(r'^msgstr(?:\[\d\])? "(.*)"$')
CONTINUED = re.compile(r'^"(.*)"$')
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def translated_sentences(po: Path) -> list[str]:
    """The msgstr texts of a .po file (its header left out), placeholders removed."""
    sentences, current, inside = [], [], False
    for line in po.read_text(encoding="utf-8").splitlines():
        if match := MSGSTR.match(line):
            current, inside = [match.group(1)], True
        elif inside and (match := CONTINUED.match(line)):
            current.append(match.group(1))
        else:
            if inside:
                sentence = PLACEHOLDER.sub(" ", "".join(current).replace("\\n", " "))
                if len(sentence.split()) >= 4 and "Content-Type" not in sentence:
                    sentences.append(sentence)
            inside = False
    return sentences


def mixed_desk() -> list[str]:
    require(REPLIES.is_dir() and INTENTS.is_file(), f"the shared text in {REPO.parent / 'shared'}")
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in REPLIES.glob("*.txt")]
    for code in CATALOGUES:
        for po in (
            DJANGO / "conf" / "locale" / code / "LC_MESSAGES" / "django.po",
            DJANGO / "contrib" / "admin" / "locale" / code / "LC_MESSAGES" / "django.po",
            DJANGO / "contrib" / "auth" / "locale" / code / "LC_MESSAGES" / "django.po",
        ):
            if po.exists():
                texts += translated_sentences(po)
    english, _ = accuracy.read_intents(INTENTS)
    return texts + english[::10]


@pytest.fixture(scope="module")
def fitted_mixed():
    texts = mixed_desk()
    return texts, themes.fit(texts)


def test_the_mixed_desk_is_really_mixed(fitted_mixed):
    texts, _ = fitted_mixed
    languages = {language_of(text) for text in texts}
    assert {"en", "de", "es", "fr", "it", "nl", "pt"} <= languages
    assert len(texts) > 3000


def test_no_theme_is_named_by_a_function_word_of_any_language(fitted_mixed):
    _, fitted = fitted_mixed
    named_by = {
        term: topic.name for topic in fitted.topics for term in topic.terms[: themes.TOP_TERMS]
    }
    assert not sorted(EVERY_FUNCTION_WORD & set(named_by)), named_by


def test_no_theme_name_holds_a_stop_word_of_the_language_it_is_written_in(fitted_mixed):
    """Each name term against the language most of the theme's texts using it are in.

    (A word can be a stop word in one language and the subject in another: Czech "ta" is
    "that", Swedish "ta" is "take".)
    """
    texts, fitted = fitted_mixed
    offending = {}
    for index, topic in enumerate(fitted.topics):
        members = [text for text, label in zip(texts, fitted.labels, strict=True) if label == index]
        for term in topic.terms[: themes.TOP_TERMS]:
            languages = Counter(
                language_of(text)
                for text in members
                if term in stopwords.TOKEN.findall(text.lower())
            )
            language = languages.most_common(1)[0][0]
            if term in stopwords.of_language(language):
                offending[topic.name] = (term, language)
    assert not offending


def test_a_word_that_is_a_stop_word_elsewhere_still_names_english_themes():
    """ "sent" is Swedish for "late" and "email" a Czech word: in English mail they are subjects."""
    texts = [
        f"the email I sent on {day} never arrived, please check the email"
        for day in ("monday", "tuesday", "friday", "sunday", "saturday")
    ] * 6
    texts += [
        f"my card was declined at the {shop} yesterday"
        for shop in ("shop", "market", "station", "cafe", "cinema")
    ] * 6
    fitted = themes.fit(texts, k=2)
    names = " | ".join(topic.name for topic in fitted.topics)
    assert "email" in names and "sent" in names, names


def test_each_language_the_desk_detects_has_stop_words():
    """A language the detector answers with no list would let its function words name themes."""
    english = stopwords.of_language("en")
    missing = [
        language
        for language in stopwords.languages()
        if language not in ("en", "ja", "zh") and not stopwords.of_language(language) - english
    ]
    assert not missing


@pytest.mark.django_db
def test_a_desk_trained_on_mixed_mail_names_its_themes_without_function_words(north):
    """The whole way: mail in six languages received, themes trained, the names stored."""
    from helpline.conversations.receive import receive
    from helpline.core.events import deliver_due
    from helpline.insights import actions
    from helpline.insights.models import Theme
    from tests.conftest import email_from

    n = 0
    for code in ("de", "es", "fr", "it", "nl", "pt"):
        po = DJANGO / "contrib" / "admin" / "locale" / code / "LC_MESSAGES" / "django.po"
        for sentence in translated_sentences(po)[:15]:
            n += 1
            receive(email_from(f"c{n}@example.com", text=sentence, location=north, subject=code))
    deliver_due()
    model = actions.retrain(k=8)
    assert model is not None
    names = [theme.name for theme in Theme.objects.filter(model=model)]
    words = {word for name in names for word in name.split(" · ")}
    assert len(names) == 8
    assert not sorted(words & EVERY_FUNCTION_WORD), names
