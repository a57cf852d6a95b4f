"""Scrubbing a person out of logged JSON: personal keys emptied, mentions replaced, figures
kept."""

from helpline.core.redact import ERASED, personal_strings, scrub, scrub_text


def test_mentions_are_replaced_whatever_their_case():
    personal = personal_strings(["Jürgen Straße", "JS@example.org", "", "ab"])
    assert sorted(personal) == ["js@example.org", "jürgen straße"]  # "ab" says nothing: dropped
    text = "Dear JÜRGEN Straße, jürgen straße wrote from js@EXAMPLE.org"
    assert scrub_text(text, personal) == f"Dear {ERASED}, {ERASED} wrote from {ERASED}"


def test_personal_keys_are_emptied_and_figures_stay():
    data = {
        "recipient": "js@example.org",
        "cc": ["a@example.org"],
        "headers": {"X-Id": "1"},
        "score": 2,
        "solved": True,
        "before": "open",
        "reason": "called Jürgen Straße twice",
        "nested": [{"name": "Jürgen", "kind": "csat"}],
    }
    assert scrub(data, personal_strings(["Jürgen Straße"])) == {
        "recipient": ERASED,
        "cc": [],
        "headers": {},
        "score": 2,
        "solved": True,
        "before": "open",
        "reason": f"called {ERASED} twice",
        "nested": [{"name": ERASED, "kind": "csat"}],
    }
