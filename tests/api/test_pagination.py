"""Cursor pagination: every row once, in order, while new rows keep arriving."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpline.conversations import actions
from helpline.conversations.models import Conversation
from helpline.customers import actions as customer_actions
from helpline.customers.models import Customer
from tests.api.conftest import write_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_north(north):
    """Conversations with distinct times, with equal times, and without any message yet."""
    moment = timezone.now() - timedelta(days=1)
    for n in range(4):
        write_in(north, f"distinct{n}@example.com", "Hi", received_at=moment + timedelta(hours=n))
    for n in range(4):
        write_in(north, f"same{n}@example.com", "Hi", received_at=moment + timedelta(minutes=30))
    walk_in = customer_actions.create_customer(None, name="Walk-in", location=north)
    for _ in range(4):
        actions.start_conversation(None, walk_in, channel="walk_in")
    return north


def walk(api, path: str, limit: int, between_pages, **params) -> list[int]:
    seen, cursor = [], None
    for _ in range(100):
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = api.get(path, **query)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
        between_pages()
    raise AssertionError("pagination did not end")


def arrivals(location):
    """New work arriving between two pages: a new email and a new walk-in."""
    count = iter(range(1000))

    def arrive():
        n = next(count)
        write_in(location, f"new{n}@example.com", "New")
        walk_in = customer_actions.create_customer(None, name=f"Walk-in {n}", location=location)
        actions.start_conversation(None, walk_in, channel="walk_in")

    return arrive


def expected_order(order: str, ids: list[int]) -> list[int]:
    rows = Conversation.objects.filter(pk__in=ids)
    if order == "newest":
        return sorted(ids, reverse=True)
    with_time = sorted(
        (r for r in rows if r.last_message_at), key=lambda r: (r.last_message_at, r.pk)
    )
    without = sorted((r for r in rows if not r.last_message_at), key=lambda r: r.pk)
    return [r.pk for r in reversed(with_time)] + [r.pk for r in reversed(without)]


@pytest.mark.parametrize("order", ["last_message", "newest"])
@pytest.mark.parametrize("limit", [1, 3, 5])
def test_paging_conversations_neither_repeats_nor_skips_while_rows_arrive(
    nora_api, busy_north, order, limit
):
    before = list(Conversation.objects.values_list("id", flat=True))

    seen = walk(nora_api, "/conversations", limit, arrivals(busy_north), order=order)

    assert len(seen) == len(set(seen)), "a conversation was listed twice"
    assert set(before) <= set(seen), "a conversation was skipped"
    assert [i for i in seen if i in before] == expected_order(order, before)


def test_paging_customers_neither_repeats_nor_skips_while_rows_arrive(nora_api, busy_north):
    before = list(Customer.objects.order_by("-id").values_list("id", flat=True))

    seen = walk(nora_api, "/customers", 2, arrivals(busy_north))

    assert len(seen) == len(set(seen))
    assert [i for i in seen if i in before] == before


def test_a_page_is_one_keyset_query_without_offset(nora_api, busy_north):
    first = nora_api.get("/conversations", limit=3).json()
    with CaptureQueriesContext(connection) as queries:
        nora_api.get("/conversations", limit=3, cursor=first["next_cursor"])

    listing = [q["sql"] for q in queries if 'FROM "conversations_conversation"' in q["sql"]]
    assert len(listing) == 1
    assert "OFFSET" not in listing[0].upper()
    assert "LIMIT 4" in listing[0].upper()


@pytest.mark.parametrize("limit", [0, 201, -1])
def test_a_limit_out_of_range_names_the_field(nora_api, busy_north, limit):
    response = nora_api.get("/conversations", limit=limit)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["limit"]


@pytest.mark.parametrize("cursor", ["garbage", "eyJhIjoxfQ", "W10", "WyJjdXN0b21lcnMiLFsxXV0"])
def test_a_forged_or_foreign_cursor_names_the_field(nora_api, busy_north, cursor):
    response = nora_api.get("/conversations", cursor=cursor)

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "cursor"
