"""The bell: the unread count on every desk page and in the inbox poll, the list of one's own
notifications, opening one and marking all read."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpline.core.models import Activity
from helpline.sla import actions, notify
from helpline.sla.models import Notification, SlaEvent
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db

LIST_URL = reverse("desk:notifications")
READ_ALL_URL = reverse("desk:notifications-read-all")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read_url(notification) -> str:
    return reverse("desk:notification-read", args=[notification.pk])


def warn(users, conversation, kind="warning", minutes=30) -> list[Notification]:
    """What the escalation scan tells `users` when a clock of `conversation` nears its due time."""
    event = SlaEvent.objects.create(
        conversation=conversation,
        kind=kind,
        clock="response",
        due_at=timezone.now() + timedelta(minutes=minutes),
    )
    return notify.tell(users, conversation, event)


def bell_count(html: str) -> str:
    start = html.index('id="bell-count">') + len('id="bell-count">')
    return html[start : html.index("<", start)]


def notification_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "sla_notification" in q["sql"]]


@pytest.fixture
def order(north):
    return write_in(north, "maria@example.com", "Order 123", "Where is it?")


@pytest.fixture
def refund(north):
    return write_in(north, "otto@example.com", "Refund please", "Money back")


# The list -----------------------------------------------------------------------------


def test_the_list_shows_ones_own_notifications_newest_first_unread_marked(
    order, refund, agent_north, lead
):
    (older,) = warn([agent_north], order, minutes=10)
    (newer,) = warn([agent_north], refund, kind="breach", minutes=0)
    warn([lead], order, minutes=20)
    actions.mark_read(agent_north, older)

    response = client_for(agent_north).get(LIST_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert [n.pk for n in response.context["notifications"]] == [newer.pk, older.pk]
    assert html.index(f'id="notification-{newer.pk}"') < html.index(f'id="notification-{older.pk}"')
    assert f'class="row notification-row unread" data-row data-id="{newer.pk}"' in html
    assert f'class="row notification-row" data-row data-id="{older.pk}"' in html
    assert "Refund please: the response target was breached" in html
    assert f'action="{read_url(newer)}"' in html and "data-open" in html
    assert html.count("data-row data-id=") == 2  # the lead's is hers alone
    assert 'id="read-all"' in html


def test_nothing_to_tell_yet(agent_north):
    html = client_for(agent_north).get(LIST_URL).content.decode()
    assert 'id="notifications-empty"' in html and 'id="read-all"' not in html


def test_times_are_on_the_viewers_clock(south, agent_south):
    conversation = write_in(south, "sven@example.com", "Bestellung", "Wo ist sie?")
    (notification,) = warn([agent_south], conversation)
    noon_utc = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    Notification.objects.filter(pk=notification.pk).update(created_at=noon_utc)

    html = client_for(agent_south).get(LIST_URL).content.decode()

    # Sven's first location is South Mall: Berlin, an hour ahead of UTC in winter.
    assert '<time datetime="2026-01-05T12:00:00Z">5 Jan 2026, 13:00<span class="zone">' in html


def test_the_list_costs_the_same_for_3_or_60_notifications(
    order, refund, agent_north, django_assert_max_num_queries
):
    client = client_for(agent_north)
    for n in range(3):
        warn([agent_north], order if n % 2 else refund, minutes=n)
    with django_assert_max_num_queries(6) as few:
        client.get(LIST_URL)
    for n in range(3, 60):
        warn([agent_north], order if n % 2 else refund, minutes=n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST_URL)
    assert len(response.context["notifications"]) == 60


def test_the_list_shows_the_newest_hundred(order, agent_north):
    events = SlaEvent.objects.bulk_create(
        SlaEvent(conversation=order, kind="warning", clock="response", due_at=timezone.now())
        for _ in range(1)
    )
    Notification.objects.bulk_create(
        Notification(user=agent_north, conversation=order, event=events[0], text=f"N{n}")
        for n in range(105)
    )
    response = client_for(agent_north).get(LIST_URL)
    assert len(response.context["notifications"]) == 100
    assert "The 100 newest are shown." in response.content.decode()


# Opening one and marking all read ---------------------------------------------------------


def test_opening_one_marks_it_read_and_goes_to_its_conversation(order, agent_north):
    (notification,) = warn([agent_north], order)
    client = client_for(agent_north)

    response = client.post(read_url(notification))

    assert response.status_code == 302
    assert response.url == reverse("desk:conversation", args=[order.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    (logged,) = Activity.objects.filter(verb="notification.read")
    assert (logged.actor, logged.subject_id) == (agent_north, notification.pk)
    assert logged.data == {"conversation_id": order.pk}

    first_read = notification.read_at
    assert client.post(read_url(notification)).status_code == 302  # opening it again
    notification.refresh_from_db()
    assert notification.read_at == first_read
    assert Activity.objects.filter(verb="notification.read").count() == 1


@pytest.mark.parametrize("who", ["agent_south", "lead", "admin"])
def test_someone_elses_notification_does_not_exist(order, agent_north, who, request):
    (notification,) = warn([agent_north], order)
    other = request.getfixturevalue(who)

    response = client_for(other).post(read_url(notification))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
    assert not Activity.objects.filter(verb="notification.read").exists()


def test_the_action_refuses_someone_elses_notification(order, agent_north, lead):
    (notification,) = warn([agent_north], order)
    with pytest.raises(PermissionError):
        actions.mark_read(lead, notification)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_ones_own(order, refund, agent_north, lead):
    warn([agent_north, lead], order)
    warn([agent_north], refund)
    client = client_for(agent_north)

    response = client.post(READ_ALL_URL, follow=True)

    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "2 notifications marked read." in response.content.decode()
    assert not Notification.objects.filter(user=agent_north, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=lead, read_at__isnull=True).count() == 1
    (logged,) = Activity.objects.filter(verb="notification.all_read")
    assert (logged.actor, logged.subject_type, logged.data) == (agent_north, "user", {"count": 2})

    again = client.post(READ_ALL_URL, follow=True)
    assert "Nothing was unread." in again.content.decode()
    assert Activity.objects.filter(verb="notification.all_read").count() == 1


def test_writes_are_posts_and_need_a_session(order, agent_north):
    (notification,) = warn([agent_north], order)
    client = client_for(agent_north)
    assert client.get(read_url(notification)).status_code == 405
    assert client.get(READ_ALL_URL).status_code == 405
    for url in (LIST_URL, read_url(notification), READ_ALL_URL):
        response = Client().post(url) if url != LIST_URL else Client().get(url)
        assert response.status_code == 302 and response.url.startswith("/sign-in/?next=")


# The bell ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/customers/", "/callbacks/", LIST_URL])
def test_the_bell_shows_the_unread_count_on_every_page(url, order, refund, agent_north, lead):
    first, *_ = warn([agent_north], order)
    warn([agent_north, lead], refund)
    client = client_for(agent_north)

    html = client.get(url).content.decode()
    assert bell_count(html) == "2"
    assert 'class="bell has-unread" id="bell" href="/notifications/"' in html

    actions.mark_read(agent_north, first)
    assert bell_count(client.get(url).content.decode()) == "1"

    actions.mark_all_read(agent_north)
    html = client.get(url).content.decode()
    assert bell_count(html) == "0" and 'class="bell" id="bell"' in html


def test_the_bell_stops_at_99_plus(order, agent_north):
    (notification,) = warn([agent_north], order)
    Notification.objects.bulk_create(
        Notification(user=agent_north, conversation=order, event=notification.event, text="x")
        for _ in range(149)
    )
    assert bell_count(client_for(agent_north).get("/").content.decode()) == "99+"


def test_the_bell_costs_one_capped_count_query(order, refund, agent_north, lead):
    for n in range(5):
        warn([agent_north, lead], order if n % 2 else refund, minutes=n)
    client = client_for(agent_north)
    client.get("/")

    with CaptureQueriesContext(connection) as queries:
        client.get("/customers/")

    (count,) = notification_queries(queries)
    assert count.startswith("SELECT COUNT(*)") and "LIMIT 100" in count
    assert '"read_at" IS NULL' in count


def test_the_count_reads_the_partial_index_of_unread_notifications(order, agent_north):
    (notification,) = warn([agent_north], order)
    Notification.objects.bulk_create(
        Notification(
            user=agent_north, conversation=order, event=notification.event, text="old", read_at=t
        )
        for t in [timezone.now()] * 3000
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    unread = Notification.objects.filter(user_id=agent_north.pk, read_at__isnull=True).order_by()

    plan = unread.values("pk")[:100].explain()

    assert "notification_unread" in plan, plan


def test_a_signed_out_page_has_no_bell():
    html = Client().get("/sign-in/").content.decode()
    assert 'id="bell"' not in html


# The inbox poll -----------------------------------------------------------------------------


def test_the_inbox_poll_carries_the_unread_count(order, refund, agent_north):
    client = client_for(agent_north)
    since = timezone.now().isoformat()
    updates = f"{reverse('desk:inbox-updates')}?view=open"
    assert client.get(updates, {"since": since}).json()["unread"] == 0

    warn([agent_north], order)
    warn([agent_north], refund)
    with CaptureQueriesContext(connection) as queries:
        data = client.get(updates, {"since": since}).json()

    assert data["unread"] == 2
    assert len(notification_queries(queries)) == 1


def test_the_inbox_poll_count_is_capped_too(order, agent_north):
    (notification,) = warn([agent_north], order)
    Notification.objects.bulk_create(
        Notification(user=agent_north, conversation=order, event=notification.event, text="x")
        for _ in range(200)
    )
    data = client_for(agent_north).get(reverse("desk:inbox-updates")).json()
    assert data["unread"] == 100  # shown as "99+", like the page
