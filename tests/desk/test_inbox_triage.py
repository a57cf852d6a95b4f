"""Triage in the inbox: each row's preview and service level, bulk actions, saved views, and
where an agent lands."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helpline.conversations import actions
from helpline.conversations.models import Conversation, Status
from helpline.core.models import Activity
from helpline.desk.models import SavedView
from helpline.sla.models import SlaPolicy
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def row_of(html: str, conversation) -> str:
    row = html[html.index(f'data-id="{conversation.pk}"') :]
    return row[: row.index("</li>")]


def test_a_row_previews_the_latest_message_on_one_line(north, agent_north):
    conversation = write_in(
        north, "a@example.com", "Kettle", "My <kettle>   leaks\n\nall over the floor", minutes_ago=9
    )
    row = row_of(client_for(agent_north).get("/?view=open").content.decode(), conversation)
    assert '<span class="preview">My &lt;kettle&gt; leaks all over the floor</span>' in row

    actions.reply(agent_north, conversation, "A new one is on its way.\nNora")
    actions.add_note(agent_north, conversation, "Courier booked")  # not said to the customer
    conversation.refresh_from_db()
    assert conversation.preview == "A new one is on its way. Nora"
    row = row_of(client_for(agent_north).get("/?view=open").content.decode(), conversation)
    assert '<span class="preview">A new one is on its way. Nora</span>' in row


def test_a_message_recorded_after_the_fact_does_not_replace_the_latest(north, agent_north):
    conversation = write_in(north, "a@example.com", "Kettle", "Any news?", minutes_ago=5)
    earlier = timezone.now() - timedelta(days=2)
    actions.log_past_reply(agent_north, conversation, "Old answer", at=earlier)
    conversation.refresh_from_db()
    assert conversation.preview == "Any news?"


def test_the_preview_is_cut_to_its_length(north, agent_north):
    conversation = write_in(north, "a@example.com", "Long", "word " * 200)
    conversation.refresh_from_db()
    assert len(conversation.preview) == 160 and conversation.preview.startswith("word word")


def test_a_row_shows_when_its_service_level_is_due_or_was_breached(north, agent_north):
    SlaPolicy.objects.create(name="Everything", first_response_minutes=60)
    breached = write_in(north, "a@example.com", "Late", minutes_ago=90)
    due = write_in(north, "b@example.com", "Soon", minutes_ago=20)
    without = write_in(north, "c@example.com", "Answered", minutes_ago=10)
    actions.reply(agent_north, without, "Done")
    actions.solve(agent_north, without)

    html = client_for(agent_north).get("/?view=open").content.decode()
    late = row_of(html, breached)
    assert '<span class="sla breached" title="Due ' in late and "SLA breached 30m ago" in late
    soon = row_of(html, due)
    assert "SLA due in 40m" in soon or "SLA due in 39m" in soon
    solved = row_of(client_for(agent_north).get("/?view=solved").content.decode(), without)
    assert '<span class="sla"></span>' in solved


@pytest.fixture
def three(north):
    return [
        write_in(north, f"c{n}@example.com", f"Question {n}", minutes_ago=10 * n) for n in (1, 2, 3)
    ]


def bulk(user, conversations, **data):
    return client_for(user).post(
        "/inbox/bulk/", {"ids": [c.pk for c in conversations], "next": "/?view=open", **data}
    )


def activities(verb: str) -> list[int]:
    return sorted(Activity.objects.filter(verb=verb).values_list("subject_id", flat=True))


def test_bulk_solve_goes_through_the_action_once_per_conversation(three, agent_north):
    response = bulk(agent_north, three[:2], action="solve")
    assert response.status_code == 302 and response["Location"] == "/?view=open"
    statuses = dict(Conversation.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in three] == [Status.SOLVED, Status.SOLVED, Status.NEW]
    assert activities("conversation.status_changed") == sorted(c.pk for c in three[:2])


def test_bulk_assign_priority_and_tag(three, agent_north, admin):
    bulk(agent_north, three, action="assign", assignee="me")
    bulk(agent_north, three, action="priority", priority="urgent")
    actions.set_tags(admin, three[0], ["warranty"])
    Activity.objects.filter(verb="conversation.tagged").delete()
    bulk(agent_north, three, action="tag", tag="Kettle")
    for conversation in three:
        conversation.refresh_from_db()
        assert conversation.assignee == agent_north and conversation.priority == "urgent"
    assert sorted(three[0].tags.values_list("name", flat=True)) == ["kettle", "warranty"]
    assert list(three[1].tags.values_list("name", flat=True)) == ["kettle"]
    ids = sorted(c.pk for c in three)
    assert activities("conversation.assigned") == ids
    assert activities("conversation.priority_changed") == ids
    assert activities("conversation.tagged") == ids


def test_bulk_assign_to_someone_who_does_not_serve_one_of_them_changes_the_others(
    north, south, agent_north, agent_south, admin
):
    here = write_in(north, "a@example.com", "Here")
    there = write_in(south, "b@example.com", "There")
    response = client_for(admin).post(
        "/inbox/bulk/",
        {"ids": [here.pk, there.pk], "action": "assign", "assignee": agent_north.pk},
        follow=True,
    )
    here.refresh_from_db()
    there.refresh_from_db()
    assert here.assignee == agent_north and there.assignee is None
    shown = [str(m) for m in response.context["messages"]]
    assert "Assigned to Nora: 1 conversation." in shown
    assert any(f"#{there.pk}: " in m and "does not serve" in m for m in shown)


def test_bulk_refuses_conversations_the_agent_may_not_see(north, south, agent_north):
    mine = write_in(north, "a@example.com", "Mine")
    theirs = write_in(south, "b@example.com", "Theirs")
    response = bulk(agent_north, [mine, theirs], action="solve")
    assert response.status_code == 404  # as if it did not exist: nothing is changed
    assert set(Conversation.objects.values_list("status", flat=True)) == {Status.NEW}
    assert bulk(agent_north, [theirs], action="solve").status_code == 404
    assert not Activity.objects.filter(verb="conversation.status_changed").exists()


def test_bulk_without_a_choice_changes_nothing(three, agent_north):
    response = client_for(agent_north).post(
        "/inbox/bulk/", {"ids": [three[0].pk], "action": "priority", "priority": ""}, follow=True
    )
    assert "Nothing was changed: choose a priority." in response.content.decode()
    assert not Activity.objects.filter(verb="conversation.priority_changed").exists()


def test_an_agent_saves_a_view_and_finds_it_in_the_inbox(north, agent_north, admin):
    urgent = write_in(north, "a@example.com", "Urgent one")
    write_in(north, "b@example.com", "Calm one")
    actions.set_priority(admin, urgent, "urgent")
    client = client_for(agent_north)
    response = client.post(
        "/inbox/views/", {"name": " Urgent  here ", "view": "open", "priority": "urgent"}
    )
    saved = SavedView.objects.get(owner=agent_north)
    assert (saved.name, saved.query) == ("Urgent here", "view=open&priority=urgent")
    assert response["Location"] == "/?view=open&priority=urgent"
    page = client.get(response["Location"])
    assert [row.id for row in page.context["page"].conversations] == [urgent.pk]
    html = page.content.decode()
    assert 'href="?view=open&amp;priority=urgent" aria-current="page"' in html
    assert '<h1 id="list-title">Urgent here</h1>' in html
    # Saved again under the same name, it holds the new filters; others never see it.
    client.post("/inbox/views/", {"name": "Urgent here", "view": "mine", "priority": "high"})
    assert list(SavedView.objects.values_list("query", flat=True)) == ["view=mine&priority=high"]
    assert "Urgent here" not in client_for(admin).get("/").content.decode()
    assert Activity.objects.filter(verb="saved_view.saved", actor=agent_north).count() == 2


def test_a_saved_view_needs_a_name(agent_north):
    client_for(agent_north).post("/inbox/views/", {"name": "  ", "view": "open"})
    assert not SavedView.objects.exists()


def test_only_its_owner_deletes_a_saved_view(agent_north, admin):
    client_for(agent_north).post("/inbox/views/", {"name": "Mine", "view": "mine"})
    saved = SavedView.objects.get()
    assert client_for(admin).post(f"/inbox/views/{saved.pk}/delete/").status_code == 404
    assert client_for(agent_north).post(f"/inbox/views/{saved.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()
    assert Activity.objects.filter(verb="saved_view.deleted", subject_id=saved.pk).exists()


def test_an_agent_lands_on_mine_when_it_has_work(north, agent_north, admin):
    conversation = write_in(north, "a@example.com", "Help")
    client = client_for(agent_north)
    assert client.get("/").context["view"].slug == "open"  # nothing of hers yet
    actions.assign(admin, conversation, assignee=agent_north)
    assert client.get("/").context["view"].slug == "mine"
    assert client.get("/?view=open").context["view"].slug == "open"  # chosen stays chosen
    actions.solve(agent_north, conversation)
    assert client.get("/").context["view"].slug == "open"


def test_bulk_takes_at_most_a_few_pages_at_once(three, agent_north, monkeypatch):
    monkeypatch.setattr("helpline.desk.views.inbox.BULK_LIMIT", 2)
    response = bulk(agent_north, three, action="solve")
    assert response.status_code == 400
    assert not Activity.objects.filter(verb="conversation.status_changed").exists()
