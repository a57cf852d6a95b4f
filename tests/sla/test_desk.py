"""The desk: the inbox's "Breaching soon" order and "Breached" filter, and the clocks
shown on the conversation page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpline.conversations import actions
from helpline.desk import inbox
from tests.sla.conftest import policy, received

pytestmark = pytest.mark.django_db


def _row_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-row data-id="(\d+)"', response.content.decode())]


@pytest.fixture
def three(north):
    """Due in 50 minutes, breached 10 minutes ago, and due in 20 minutes; one with no clock."""
    policy(first_response_minutes=60)
    now = timezone.now()
    later = received(north, now - timedelta(minutes=10), "a@example.com")
    breached = received(north, now - timedelta(minutes=70), "b@example.com")
    soon = received(north, now - timedelta(minutes=40), "c@example.com")
    return later, breached, soon


def test_breaching_soon_puts_the_earliest_due_first(client, agent_north, three, admin):
    later, breached, soon = three
    no_clock = received(later.location, timezone.now(), "d@example.com")
    actions.reply(admin, no_clock, "Done")  # answered, so nothing is due
    client.force_login(agent_north)
    response = client.get("/", {"view": "open", "sort": "breaching"})
    assert _row_ids(response) == [breached.pk, soon.pk, later.pk, no_clock.pk]
    assert 'id="inbox-sort"' in response.content.decode()


def test_the_breaching_order_pages_by_cursor(client, agent_north, three, monkeypatch):
    later, breached, soon = three
    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    client.force_login(agent_north)
    first = client.get("/", {"view": "open", "sort": "breaching"})
    assert _row_ids(first) == [breached.pk, soon.pk]
    cursor = re.search(r"after=([\w-]+)", first.content.decode()).group(1)
    second = client.get("/", {"view": "open", "sort": "breaching", "after": cursor})
    assert _row_ids(second) == [later.pk]


def test_breached_shows_only_what_is_past_due(client, agent_north, three):
    later, breached, soon = three
    client.force_login(agent_north)
    response = client.get("/", {"view": "open", "breached": "1"})
    assert _row_ids(response) == [breached.pk]
    assert re.search(r'id="inbox-breached"[^>]* checked', response.content.decode())
    updates = client.get("/inbox/updates/", {"view": "open", "breached": "1"}).json()
    assert updates["counts"]["open"] == 1


def test_the_inbox_costs_the_same_however_many_rows(
    client, agent_north, north, django_assert_max_num_queries
):
    policy(first_response_minutes=60)
    client.force_login(agent_north)
    for i in range(3):
        received(north, timezone.now() - timedelta(minutes=i), f"x{i}@example.com")
    with CaptureQueriesContext(connection) as few:
        client.get("/", {"view": "open", "sort": "breaching", "breached": "1"})
    for i in range(20):
        received(north, timezone.now() - timedelta(minutes=i), f"y{i}@example.com")
    with django_assert_max_num_queries(len(few)):
        client.get("/", {"view": "open", "sort": "breaching", "breached": "1"})


def test_the_page_shows_how_long_ago_a_clock_was_breached(client, agent_north, office_hours):
    policy(first_response_minutes=60, resolution_minutes=3 * 8 * 60)
    conversation = received(office_hours, timezone.now() - timedelta(days=30))
    client.force_login(agent_north)
    page = client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert 'id="conversation-sla"' in page
    assert re.search(r'id="sla-response"[^>]*>\s*First response:\s*breached \d+d', page)
    assert re.search(r'id="sla-resolution"[^>]*>\s*Resolution:\s*breached', page)


def test_the_page_shows_what_is_left(client, agent_north, north):
    policy(first_response_minutes=120)
    conversation = received(north, timezone.now() - timedelta(minutes=30))
    client.force_login(agent_north)
    page = client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert re.search(r'id="sla-response"[^>]*>\s*First response:\s*1h (29|30)m left', page)


def test_the_clocks_cost_at_most_two_queries(client, agent_north, office_hours):
    """The policy (read by its key: joined into the page's query, it made PostgreSQL plan
    for longer than the whole read takes) and the location's calendar."""
    conversation = received(office_hours, timezone.now())
    client.force_login(agent_north)
    url = f"/conversations/{conversation.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    policy(first_response_minutes=60, resolution_minutes=600)
    from helpline.sla import clocks

    clocks.refresh([conversation.pk])
    with CaptureQueriesContext(connection) as with_clocks:
        page = client.get(url).content.decode()
    assert 'id="sla-resolution"' in page
    assert len(with_clocks) <= len(without) + 2


def test_pending_shows_the_paused_clock(client, agent_north, north, admin):
    policy(resolution_minutes=600)
    conversation = received(north, timezone.now())
    actions.set_status(admin, conversation, "pending")
    client.force_login(agent_north)
    page = client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert 'id="sla-paused"' in page and "Resolution clock paused" in page
