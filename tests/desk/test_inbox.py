"""The inbox: what each view holds, in what order, filtered, counted, paged and polled."""

from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from helpline.conversations import actions
from helpline.conversations.models import Status
from helpline.core.models import Team
from helpline.desk import inbox
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(response) -> list[int]:
    return [c.pk for c in response.context["page"].conversations]


def test_open_work_is_sorted_by_waiting_time_longest_first(north, agent_north):
    recent = write_in(north, "a@example.com", "Recent", minutes_ago=5)
    oldest = write_in(north, "b@example.com", "Oldest", minutes_ago=300)
    middle = write_in(north, "c@example.com", "Middle", minutes_ago=60)
    answered = write_in(north, "d@example.com", "Answered", minutes_ago=900)
    actions.reply(agent_north, answered, "On its way.")
    response = client_for(agent_north).get("/?view=open")
    # Nobody waits on the answered one: it comes after everyone who does.
    assert listed(response) == [oldest.pk, middle.pk, recent.pk, answered.pk]
    html = response.content.decode()
    assert "5h" in html  # the oldest waits five hours


def test_a_row_shows_who_what_where_and_who_has_it_escaped(north, agent_north, admin):
    conversation = write_in(
        north, "a@example.com", "<b>Broken</b> kettle", name="Ann <script>", minutes_ago=90
    )
    actions.set_priority(admin, conversation, "urgent")
    actions.set_tags(admin, conversation, ["Warranty", "kettle"])
    actions.assign(admin, conversation, assignee=agent_north)
    unassigned = write_in(north, "b@example.com", "", minutes_ago=1)
    actions.reply(agent_north, unassigned, "Hello")

    html = client_for(agent_north).get("/?view=open").content.decode()

    row = html[html.index(f'data-id="{conversation.pk}"') :]
    row = row[: row.index("</li>")]
    assert f'href="/conversations/{conversation.pk}/"' in row
    assert 'aria-label="Email"' in row
    assert "Ann &lt;script&gt;" in row and "&lt;b&gt;Broken&lt;/b&gt; kettle" in row
    assert '<span class="badge priority">Urgent</span>' in row
    assert '<span class="tag">kettle</span><span class="tag">warranty</span>' in row
    assert '<span class="location">North Street</span>' in row
    assert f'<span class="assignee">{agent_north.get_full_name()}</span>' in row
    assert "1h 30m" in row
    other = html[html.index(f'data-id="{unassigned.pk}"') :]
    other = other[: other.index("</li>")]
    assert "(no subject)" in other and ">Unassigned<" in other and " ago</time>" in other


def test_a_customers_second_message_does_not_restart_the_wait(north, agent_north):
    first = write_in(north, "a@example.com", "Help", minutes_ago=120)
    other = write_in(north, "b@example.com", "Other", minutes_ago=60)
    write_in(north, "a@example.com", "Re: Help", minutes_ago=1, conversation=first)
    first.refresh_from_db()
    assert first.waiting_since < other.waiting_since
    assert listed(client_for(agent_north).get("/?view=open"))[0] == first.pk


def test_pending_and_solved_leave_the_open_views(north, agent_north):
    pending = write_in(north, "a@example.com", "Pending")
    solved = write_in(north, "b@example.com", "Solved")
    still_open = write_in(north, "c@example.com", "Open")
    actions.set_status(agent_north, pending, Status.PENDING)
    actions.set_status(agent_north, solved, Status.SOLVED)
    client = client_for(agent_north)
    assert listed(client.get("/?view=open")) == [still_open.pk]
    assert listed(client.get("/?view=pending")) == [pending.pk]
    assert listed(client.get("/?view=solved")) == [solved.pk]
    pending.refresh_from_db()
    assert pending.waiting_since is None
    # The customer answers: the conversation is open again and waits since then.
    write_in(north, "a@example.com", "Re: Pending", conversation=pending)
    assert pending.pk in listed(client.get("/?view=open"))


def test_mine_and_unassigned(north, agent_north, admin):
    mine = write_in(north, "a@example.com", "Mine")
    theirs = write_in(north, "b@example.com", "Theirs")
    nobodys = write_in(north, "c@example.com", "Nobody's")
    actions.assign(admin, mine, assignee=agent_north)
    actions.assign(admin, theirs, assignee=admin)
    client = client_for(agent_north)
    assert listed(client.get("/?view=mine")) == [mine.pk]
    assert listed(client.get("/?view=unassigned")) == [nobodys.pk]


def test_an_agent_sees_only_their_locations(north, south, agent_north, agent_south, admin):
    at_north = write_in(north, "a@example.com", "North")
    at_south = write_in(south, "b@example.com", "South")
    assert listed(client_for(agent_north).get("/")) == [at_north.pk]
    assert listed(client_for(agent_south).get("/")) == [at_south.pk]
    assert set(listed(client_for(admin).get("/"))) == {at_north.pk, at_south.pk}
    counts = client_for(agent_north).get("/").context["counts"]
    assert counts["open"] == 1
    # A location filter naming another location shows nothing, not the other's work.
    assert listed(client_for(agent_north).get(f"/?location={south.pk}")) == []


def test_filters_narrow_the_list_and_the_counts(north, agent_north, admin):
    team = Team.objects.create(name="Workshop")
    urgent = write_in(north, "a@example.com", "Urgent")
    tagged = write_in(north, "b@example.com", "Tagged")
    workshop = write_in(north, "c@example.com", "Workshop")
    phoned = actions.start_conversation(
        admin, urgent.customer, channel="phone", text="Called", location=north
    )
    actions.set_priority(admin, urgent, "urgent")
    actions.set_tags(admin, tagged, ["Refund"])
    actions.assign(admin, workshop, team=team)
    client = client_for(agent_north)
    assert listed(client.get("/?priority=urgent")) == [urgent.pk]
    assert listed(client.get("/?tag=refund")) == [tagged.pk]
    assert listed(client.get(f"/?team={team.pk}")) == [workshop.pk]
    assert listed(client.get("/?channel=phone")) == [phoned.pk]
    response = client.get("/?channel=phone")
    assert response.context["counts"]["open"] == 1
    # A choice the inbox does not know is ignored (a saved view may outlive it)...
    assert client.get("/?channel=pigeon&priority=x&sort=y").status_code == 200
    # ...but an id that is not one is a 400 that names it (helpline.core.params).
    for query, field in (("team=abc", "team"), ("location=-1", "location")):
        refused = client.get(f"/?{query}")
        assert refused.status_code == 400
        assert f"The value of “{field}” is not valid" in refused.content.decode()


def test_every_page_once_in_order_by_keyset(north, agent_north, monkeypatch):
    monkeypatch.setattr(inbox, "PAGE_SIZE", 3)
    made = [write_in(north, f"c{i}@example.com", f"N{i}", minutes_ago=100 - i) for i in range(8)]
    answered = write_in(north, "z@example.com", "Answered", minutes_ago=500)
    actions.reply(agent_north, answered, "Done")
    client = client_for(agent_north)
    seen, url = [], "/?view=open"
    while url:
        response = client.get(url)
        seen += listed(response)
        cursor = response.context["page"].next_cursor
        url = f"/?view=open&after={quote(cursor)}" if cursor else None
    assert seen == [c.pk for c in made] + [answered.pk]


def test_a_broken_cursor_shows_the_first_page(north, agent_north):
    conversation = write_in(north, "a@example.com", "Hello")
    response = client_for(agent_north).get("/?view=open&after=not-a-cursor")
    assert response.status_code == 200
    assert listed(response) == [conversation.pk]


def test_counts_stop_at_the_cap(north, agent_north, monkeypatch):
    monkeypatch.setattr(inbox, "COUNT_CAP", 2)
    for i in range(4):
        write_in(north, f"c{i}@example.com", f"N{i}")
    response = client_for(agent_north).get("/")
    assert response.context["counts"]["open"] == 3
    assert 'data-count="open">2+<' in response.content.decode()


def test_updates_return_rows_only_when_something_changed(north, agent_north):
    write_in(north, "a@example.com", "First")
    client = client_for(agent_north)
    first = client.get("/inbox/updates/", {"view": "open"}).json()
    assert first["counts"]["open"] == 1 and "First" in first["rows"]
    quiet = client.get("/inbox/updates/", {"view": "open", "since": first["now"]}).json()
    assert "rows" not in quiet and quiet["counts"]["open"] == 1
    write_in(north, "b@example.com", "Second")
    changed = client.get("/inbox/updates/", {"view": "open", "since": first["now"]}).json()
    assert changed["counts"]["open"] == 2 and "Second" in changed["rows"]


def test_updates_ignore_changes_the_agent_cannot_see(north, south, agent_north):
    client = client_for(agent_north)
    since = timezone.now().isoformat()
    write_in(south, "b@example.com", "Elsewhere")
    assert "rows" not in client.get("/inbox/updates/", {"since": since}).json()


def test_updates_need_a_session():
    response = Client().get("/inbox/updates/")
    assert response.status_code == 302


@pytest.mark.parametrize("view", sorted(inbox.VIEWS))
def test_the_inbox_costs_the_same_queries_for_3_or_30_rows(
    view, north, agent_north, admin, django_assert_max_num_queries
):
    def fill(n, start):
        for i in range(start, start + n):
            c = write_in(north, f"c{i}@example.com", f"N{i}")
            actions.set_tags(admin, c, ["a", f"t{i}"])
            actions.assign(admin, c, assignee=agent_north)
            if view == "pending":
                actions.set_status(admin, c, Status.PENDING)
            elif view == "solved":
                actions.set_status(admin, c, Status.SOLVED)

    client = client_for(agent_north)
    client.get("/")  # the session and the user are loaded once per request either way
    fill(3, 0)
    with django_assert_max_num_queries(13) as few:  # one: the open chats above the list
        client.get(f"/?view={view}")
    fill(27, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/?view={view}")
    expected = 0 if view == "unassigned" else 30
    assert len(listed(response)) == expected
