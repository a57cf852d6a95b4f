"""PostgreSQL looks for the most recent matches in a recent window first, widening it while
it holds too few: the answers must be exactly those of searching everything at once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpline.conversations.receive import receive
from helpline.search import backends, search
from helpline.search.search import search_conversations
from tests.conftest import email_from

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="only PostgreSQL searches in windows"
    ),
]
AGES_IN_DAYS = [1, 3, 10, 25, 40, 90, 170, 200, 400, 800]


@pytest.fixture
def kettles(north):
    """A kettle complaint (in the text, every other one in the subject too) at each age."""
    now = timezone.now()
    for n, days in enumerate(AGES_IN_DAYS):
        receive(
            email_from(
                f"k{n}@example.com",
                subject="Kettle broken" if n % 2 else f"Question {n}",
                text="my kettle " + "kettle " * (n % 4) + "stopped",
                location=north,
                received_at=now - timedelta(days=days),
            )
        )


def pages(user, query, limit):
    """Every page of the search, following the cursors."""
    results, after = [], None
    while True:
        hits = search_conversations(user, query, limit=limit, after=after)
        results.append([(hit.conversation.pk, hit.message_id, hit.rank) for hit in hits])
        if len(hits) < limit:
            return results
        after = hits[-1].cursor


@pytest.mark.parametrize("candidates", [1, 2, 3, 5, 7, 20])
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_windows_give_what_searching_everything_gives(
    kettles, agent_north, monkeypatch, candidates, limit
):
    monkeypatch.setattr(search, "CANDIDATES", candidates)
    windowed = pages(agent_north, "kettle", limit)
    monkeypatch.setattr(backends, "MESSAGE_WINDOWS", (None,))
    monkeypatch.setattr(backends, "SUBJECT_WINDOWS", (None,))
    assert pages(agent_north, "kettle", limit) == windowed
    assert windowed[0]  # there is something to compare


def test_a_window_with_enough_recent_matches_is_not_widened(kettles, agent_north, monkeypatch):
    # Four matches in the last 30 days, two subjects in the last 180: one query is enough.
    monkeypatch.setattr(search, "CANDIDATES", 2)
    with CaptureQueriesContext(connection) as few:
        search_conversations(agent_north, "kettle", limit=2)
    monkeypatch.setattr(search, "CANDIDATES", 8)  # more than the last 180 days hold
    with CaptureQueriesContext(connection) as more:
        search_conversations(agent_north, "kettle", limit=2)
    windowed = [q for q in few.captured_queries if "MATERIALIZED" in q["sql"]]
    widened = [q for q in more.captured_queries if "MATERIALIZED" in q["sql"]]
    assert len(windowed) == 1
    assert len(widened) == 1 + backends.MAX_WIDENINGS
