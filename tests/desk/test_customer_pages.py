"""The desk's customer pages: the list, a profile, editing, merging and undoing it, and
customers and conversations started by hand."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from helpline.callbacks.actions import create_callback
from helpline.conversations.models import Conversation, Direction, Message
from helpline.core.models import Activity
from helpline.customers import actions
from helpline.customers.models import Customer, CustomerNote, Identity
from helpline.desk.views import customers as customer_views
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def error_of(response, form: str, field: str) -> list[str]:
    return response.context[form].errors.get(field, [])


def typed(response, name: str) -> str:
    """The value an input named `name` shows on the page."""
    html = response.content.decode()
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


@pytest.fixture
def maria(north):
    """Maria wrote to North Street about an order."""
    return write_in(north, "maria@example.com", "Order 123", "Where is it?", name="Maria Lopez")


@pytest.fixture
def jonas(south):
    """Jonas wrote to South Mall."""
    return write_in(south, "jonas@example.de", "Rechnung", "Bitte", name="Jonas Weber")


@pytest.fixture
def maria_at_work(north, agent_north):
    """The same Maria from her work address, with a phone number and a note."""
    conversation = write_in(
        north, "m.lopez@work.example", "Invoice", "Please resend it", name="M. Lopez"
    )
    customer = conversation.customer
    actions.add_identity(agent_north, customer, "phone", "+442071838750")
    actions.add_note(agent_north, customer, "Called about an invoice.")
    return conversation


# The list -------------------------------------------------------------------------


def test_the_list_holds_only_the_customers_of_the_agents_locations(
    maria, jonas, agent_north, admin
):
    response = client_for(agent_north).get("/customers/")
    assert [c.pk for c in response.context["customers"]] == [maria.customer_id]
    html = response.content.decode()
    assert "Maria Lopez" in html and "Jonas" not in html
    assert f'data-row data-id="{maria.customer_id}"' in html
    assert 'id="new-customer"' in html and 'id="new-conversation"' in html

    everyone = client_for(admin).get("/customers/")
    assert {c.pk for c in everyone.context["customers"]} == {maria.customer_id, jonas.customer_id}


@pytest.mark.parametrize(
    "query, who",
    [
        ("020 7183 8750", "maria_at_work"),
        ("+44 20 7183 8750", "maria_at_work"),
        ("m.lopez@work", "maria_at_work"),
        ("maria lopez", "maria"),
    ],
)
def test_the_list_finds_a_customer_by_phone_email_or_name(
    query, who, request, maria, maria_at_work, agent_north
):
    response = client_for(agent_north).get("/customers/", {"q": query})
    found = [hit.customer.pk for hit in response.context["hits"]]
    assert found == [request.getfixturevalue(who).customer_id]
    assert "<mark>" in response.content.decode()


def test_searching_the_list_never_finds_another_locations_customer(jonas, agent_north):
    for query in ("jonas", "jonas@example.de", "Weber"):
        response = client_for(agent_north).get("/customers/", {"q": query})
        assert response.context["hits"] == []
        assert "Jonas" not in response.content.decode()


@pytest.mark.parametrize("order", ["newest", "name"])
def test_the_list_pages_through_every_customer_once(order, north, agent_north, monkeypatch):
    monkeypatch.setattr(customer_views, "PAGE_SIZE", 3)
    names = ["Eve", "Bob", "Dan", "Ann", "Cat", "Fay", "Gus"]
    created = [actions.create_customer(None, name=name, location=north) for name in names]
    client = client_for(agent_north)
    seen, url = [], f"/customers/?order={order}"
    while url:
        response = client.get(url)
        page = response.context["customers"]
        assert len(page) <= 3
        seen += page
        after = response.context["next_after"]
        url = f"/customers/?order={order}&after={after}" if after else None
    if order == "name":
        assert [c.name for c in seen] == sorted(names)
    else:
        assert [c.pk for c in seen] == [c.pk for c in reversed(created)]


def test_a_merged_customer_leaves_the_list(maria, maria_at_work, agent_north):
    actions.merge(agent_north, maria_at_work.customer, maria.customer)
    response = client_for(agent_north).get("/customers/")
    assert [c.pk for c in response.context["customers"]] == [maria.customer_id]


# The profile ----------------------------------------------------------------------


def test_the_profile_shows_identities_notes_conversations_and_history(
    maria, north, south, agent_north, admin
):
    customer = maria.customer
    actions.add_identity(agent_north, customer, "phone", "020 7183 8750")
    actions.add_note(agent_north, customer, "Prefers a call in the morning.")
    elsewhere = write_in(south, "maria@example.com", "Bestellung", "Wo ist sie?")
    assert elsewhere.customer_id == customer.pk

    response = client_for(agent_north).get(f"/customers/{customer.pk}/")
    html = response.content.decode()
    assert "maria@example.com" in html and "+442071838750" in html
    assert "Prefers a call in the morning." in html
    assert "North Street" in html
    # Only the conversations of locations she serves, each linking to its page.
    assert [c.pk for c in response.context["conversations"]] == [maria.pk]
    assert f'href="/conversations/{maria.pk}/"' in html
    assert "Bestellung" not in html
    assert f'href="/conversations/new/?customer={customer.pk}"' in html
    history = [entry.activity.verb for entry in response.context["history"]]
    assert history[:2] == ["customer.note_added", "customer.identity_added"]

    everything = client_for(admin).get(f"/customers/{customer.pk}/")
    assert {c.pk for c in everything.context["conversations"]} == {maria.pk, elsewhere.pk}


def test_the_timeline_pages_back_through_older_conversations(
    north, agent_north, monkeypatch, maria
):
    monkeypatch.setattr(customer_views, "TIMELINE_SIZE", 2)
    older = [
        write_in(north, "maria@example.com", f"Old {n}", minutes_ago=10 * (n + 1)) for n in range(3)
    ]
    client = client_for(agent_north)
    listed, after, pages = [], "", 0
    while after is not None:
        response = client.get(f"/customers/{maria.customer_id}/", {"after": after})
        listed += [c.pk for c in response.context["conversations"]]
        after, pages = response.context["next_after"], pages + 1
    assert listed == [maria.pk, *[c.pk for c in older]]
    assert pages == 2


def test_adding_a_note_keeps_it_on_the_customer(maria, agent_north):
    response = client_for(agent_north).post(
        f"/customers/{maria.customer_id}/notes/", {"body": "Speaks Spanish."}
    )
    assert response.status_code == 302
    note = CustomerNote.objects.get(customer=maria.customer_id)
    assert (note.body, note.author) == ("Speaks Spanish.", agent_north)
    assert Activity.objects.filter(
        verb="customer.note_added", subject_id=maria.customer_id
    ).exists()


def test_an_empty_note_is_refused_next_to_the_field(maria, agent_north):
    response = client_for(agent_north).post(
        f"/customers/{maria.customer_id}/notes/", {"body": "   "}
    )
    assert response.status_code == 400
    assert error_of(response, "note_form", "body") == ["A note needs text."]
    assert 'id="note-error"' in response.content.decode()
    assert not CustomerNote.objects.exists()


# Editing --------------------------------------------------------------------------


def test_editing_the_name_and_location(maria, north, south, agent_north):
    agent_north.locations.add(south)
    response = client_for(agent_north).post(
        f"/customers/{maria.customer_id}/edit/",
        {"part": "details", "name": "María López", "location": south.pk},
    )
    assert response.status_code == 302
    customer = Customer.objects.get(pk=maria.customer_id)
    assert (customer.name, customer.location) == ("María López", south)
    logged = Activity.objects.get(verb="customer.updated", subject_id=customer.pk)
    assert logged.data["before"] == {"name": "Maria Lopez", "location": "North Street"}


def test_an_agent_cannot_move_a_customer_to_a_location_they_do_not_serve(maria, south, agent_north):
    response = client_for(agent_north).post(
        f"/customers/{maria.customer_id}/edit/",
        {"part": "details", "name": "Maria L.", "location": south.pk},
    )
    assert response.status_code == 400
    assert error_of(response, "details", "location")
    assert typed(response, "name") == "Maria L."
    assert Customer.objects.get(pk=maria.customer_id).location_id != south.pk


def test_an_empty_name_is_refused_and_what_was_typed_stays(maria, north, agent_north):
    response = client_for(agent_north).post(
        f"/customers/{maria.customer_id}/edit/",
        {"part": "details", "name": "  ", "location": north.pk},
    )
    assert response.status_code == 400
    assert error_of(response, "details", "name") == ["A customer needs a name."]
    assert 'id="id_name_error"' in response.content.decode()
    assert Customer.objects.get(pk=maria.customer_id).name == "Maria Lopez"


def test_adding_an_identity_normalises_it(maria, agent_north):
    response = client_for(agent_north).post(
        f"/customers/{maria.customer_id}/edit/",
        {"part": "identity", "kind": "phone", "value": "020 7183 8750"},
    )
    assert response.status_code == 302
    assert Identity.objects.filter(customer=maria.customer_id, kind="phone").get().value == (
        "+442071838750"
    )
    assert "Added phone number +442071838750." in flashed(response)


@pytest.mark.parametrize(
    "kind, value, error",
    [
        ("email", "maria-at-example", "not one email address"),
        ("phone", "12", "phone number"),
        ("email", "M.Lopez@Work.Example", "m.lopez@work.example already belongs to"),
        ("email", "maria@example.com", "maria@example.com is already this customer's"),
    ],
)
def test_a_refused_identity_shows_the_actions_error_next_to_the_field(
    kind, value, error, maria, maria_at_work, agent_north
):
    before = Identity.objects.count()
    response = client_for(agent_north).post(
        f"/customers/{maria.customer_id}/edit/", {"part": "identity", "kind": kind, "value": value}
    )
    assert response.status_code == 400
    [message] = error_of(response, "identity", "value")
    assert error in message
    assert 'id="id_value_error"' in response.content.decode()
    assert typed(response, "value") == value
    assert Identity.objects.count() == before


# New customers --------------------------------------------------------------------


def test_a_new_customer_by_hand(north, agent_north):
    response = client_for(agent_north).post(
        "/customers/new/",
        {
            "name": "Walk-in Wendy",
            "email": "Wendy@Example.com",
            "phone": "020 7946 0000",
            "location": north.pk,
        },
    )
    customer = Customer.objects.get(name="Walk-in Wendy")
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.location == north
    page = client_for(agent_north).get(response["Location"])
    assert "No conversations." in page.content.decode()
    assert sorted(customer.identities.values_list("value", flat=True)) == [
        "+442079460000",
        "wendy@example.com",
    ]


@pytest.mark.parametrize(
    "fields, field, error",
    [
        ({"name": "", "email": "w@example.com"}, "name", "A customer needs a name."),
        ({"name": "Wendy", "email": "wendy"}, "email", "not one email address"),
        ({"name": "Wendy", "email": "maria@example.com"}, "email", "already belongs"),
        ({"name": "Wendy", "phone": "+1"}, "phone", "phone number"),
    ],
)
def test_a_refused_new_customer_keeps_what_was_typed(
    fields, field, error, maria, north, agent_north
):
    before = Customer.objects.count()
    response = client_for(agent_north).post("/customers/new/", {**fields, "location": north.pk})
    assert response.status_code == 400
    [message] = error_of(response, "form", field)
    assert error in message
    for name, value in fields.items():
        assert typed(response, name) == value
    assert Customer.objects.count() == before


def test_a_new_customer_only_at_a_location_the_agent_serves(south, agent_north):
    response = client_for(agent_north).post(
        "/customers/new/", {"name": "Wendy", "location": south.pk}
    )
    assert response.status_code == 400
    assert error_of(response, "form", "location")
    assert not Customer.objects.filter(name="Wendy").exists()


# Merging --------------------------------------------------------------------------


def test_choosing_whom_to_merge_with_lists_others_never_itself(maria, maria_at_work, agent_north):
    response = client_for(agent_north).get(f"/customers/{maria.customer_id}/merge/", {"q": "lopez"})
    assert [hit.customer.pk for hit in response.context["hits"]] == [maria_at_work.customer_id]
    assert f'href="?other={maria_at_work.customer_id}"' in response.content.decode()


def test_the_confirmation_shows_what_moves_and_who_stays(maria, maria_at_work, agent_north):
    create_callback(None, maria_at_work.customer, "+442071838750", "requested")
    client = client_for(agent_north)
    url = f"/customers/{maria.customer_id}/merge/"
    response = client.get(url, {"other": maria_at_work.customer_id})
    assert (response.context["source"].pk, response.context["into"].pk) == (
        maria_at_work.customer_id,
        maria.customer_id,
    )
    assert response.context["moving"] == {
        "identities": 2,
        "conversations": 1,
        "notes": 1,
        "callbacks": 1,
        "appointments": 0,
    }
    html = response.content.decode()
    assert '<strong data-count="callbacks">1</strong> open callback<' in html
    assert 'data-count="appointments"' not in html
    assert "m.lopez@work.example" in html and "+442071838750" in html
    assert "Kept: Maria Lopez" in html

    swapped = client.get(
        url, {"other": maria_at_work.customer_id, "keep": maria_at_work.customer_id}
    )
    assert swapped.context["source"].pk == maria.customer_id
    assert swapped.context["moving"] == {
        "identities": 1,
        "conversations": 1,
        "notes": 0,
        "callbacks": 0,
        "appointments": 0,
    }


def test_merging_through_the_page_moves_everything_and_undo_puts_it_back(
    maria, maria_at_work, agent_north
):
    client = client_for(agent_north)
    source, into = maria_at_work.customer, maria.customer
    response = client.post(f"/customers/{into.pk}/merge/", {"source": source.pk, "into": into.pk})
    assert response["Location"] == f"/customers/{into.pk}/"
    assert set(Identity.objects.filter(customer=into).values_list("value", flat=True)) == {
        "maria@example.com",
        "m.lopez@work.example",
        "+442071838750",
    }
    assert set(Conversation.objects.filter(customer=into).values_list("pk", flat=True)) == {
        maria.pk,
        maria_at_work.pk,
    }
    assert CustomerNote.objects.get().customer_id == into.pk

    # The merged-away customer's page leads to the one that kept everything.
    gone = client.get(f"/customers/{source.pk}/")
    assert gone["Location"] == f"/customers/{into.pk}/"
    assert f"{source} was merged into Maria Lopez." in flashed(gone)

    page = client.get(f"/customers/{into.pk}/")
    [merge_entry] = [e for e in page.context["history"] if e.activity.verb == "customer.merged"]
    assert merge_entry.undoable
    undo_url = f"/customers/{into.pk}/merges/{merge_entry.activity.pk}/undo/"
    assert f'action="{undo_url}"' in page.content.decode()

    undone = client.post(undo_url)
    assert undone["Location"] == f"/customers/{into.pk}/"
    assert set(Identity.objects.filter(customer=source).values_list("value", flat=True)) == {
        "m.lopez@work.example",
        "+442071838750",
    }
    assert Conversation.objects.get(pk=maria_at_work.pk).customer_id == source.pk
    assert CustomerNote.objects.get().customer_id == source.pk
    assert Customer.objects.get(pk=source.pk).merged_into_id is None
    after = client.get(f"/customers/{into.pk}/")
    assert not any(entry.undoable for entry in after.context["history"])


def test_a_refused_undo_says_why(maria, maria_at_work, agent_north):
    merge = actions.merge(agent_north, maria_at_work.customer, maria.customer)
    actions.unmerge(agent_north, merge)
    response = client_for(agent_north).post(
        f"/customers/{maria.customer_id}/merges/{merge.pk}/undo/", follow=True
    )
    assert "Could not undo the merge: that merge was already undone." in [
        str(m) for m in response.context["messages"]
    ]
    assert 'class="flash-error"' in response.content.decode()


def test_a_refused_merge_says_why(maria, maria_at_work, agent_north):
    source, into = maria_at_work.customer, maria.customer
    actions.merge(agent_north, source, into)  # meanwhile, in another tab
    response = client_for(agent_north).post(
        f"/customers/{into.pk}/merge/", {"source": source.pk, "into": into.pk}
    )
    assert f"Not merged: {source} was already merged into another customer." in flashed(response)
    assert Activity.objects.filter(verb="customer.merged").count() == 1


def test_merging_with_a_customer_of_another_location_is_not_found(maria, jonas, agent_north):
    client = client_for(agent_north)
    url = f"/customers/{maria.customer_id}/merge/"
    assert client.get(url, {"other": jonas.customer_id}).status_code == 404
    both_ways = [
        {"source": jonas.customer_id, "into": maria.customer_id},
        {"source": maria.customer_id, "into": jonas.customer_id},
    ]
    for fields in both_ways:
        assert client.post(url, fields).status_code == 404
    assert client.get(url, {"q": "jonas"}).context["hits"] == []
    assert not Activity.objects.filter(verb="customer.merged").exists()


def test_every_customer_url_is_not_found_for_an_agent_of_another_location(
    maria, maria_at_work, agent_north, agent_south, north
):
    merge = actions.merge(agent_north, maria_at_work.customer, maria.customer)
    pk = maria.customer_id
    client = client_for(agent_south)
    for url in (
        f"/customers/{pk}/",
        f"/customers/{pk}/edit/",
        f"/customers/{pk}/merge/",
        f"/customers/{pk}/merge/?other={maria_at_work.customer_id}",
        f"/conversations/new/?customer={pk}",
    ):
        assert client.get(url).status_code == 404, url
    for url, fields in (
        (f"/customers/{pk}/notes/", {"body": "Hello"}),
        (f"/customers/{pk}/edit/", {"part": "details", "name": "X", "location": north.pk}),
        (f"/customers/{pk}/edit/", {"part": "identity", "kind": "email", "value": "x@y.z"}),
        (f"/customers/{pk}/merge/", {"source": maria_at_work.customer_id, "into": pk}),
        (f"/customers/{pk}/merges/{merge.pk}/undo/", {}),
        ("/conversations/new/", {"customer": pk, "channel": "phone", "subject": "Hi"}),
    ):
        assert client.post(url, fields).status_code == 404, url
    assert Customer.objects.get(pk=pk).name == "Maria Lopez"
    assert Customer.objects.get(pk=maria_at_work.customer_id).merged_into_id == pk
    assert not CustomerNote.objects.filter(body="Hello").exists()


def test_signed_out_every_page_asks_to_sign_in(maria):
    for url in ("/customers/", f"/customers/{maria.customer_id}/", "/customers/new/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/sign-in/" in response["Location"]


# Conversations by hand -----------------------------------------------------------


def test_a_phone_call_from_a_known_customer(maria, north, agent_north):
    client = client_for(agent_north)
    form = client.get("/conversations/new/", {"customer": maria.customer_id})
    assert form.context["customer"].pk == maria.customer_id
    assert form.context["form"]["location"].value() == north.pk
    response = client.post(
        "/conversations/new/",
        {
            "customer": maria.customer_id,
            "channel": "phone",
            "subject": "Parcel missing",
            "text": "She says the parcel never came.",
            "location": north.pk,
        },
    )
    conversation = Conversation.objects.get(subject="Parcel missing")
    assert response["Location"] == f"/conversations/{conversation.pk}/"
    assert (conversation.channel, conversation.customer_id, conversation.location) == (
        "phone",
        maria.customer_id,
        north,
    )
    message = Message.objects.get(conversation=conversation)
    assert (message.direction, message.text, message.author) == (
        Direction.INBOUND,
        "She says the parcel never came.",
        agent_north,
    )


def test_a_walk_in_from_a_new_customer(north, agent_north, admin):
    from helpline.core.models import Team

    team = Team.objects.create(name="Front desk", location=north)
    response = client_for(agent_north).post(
        "/conversations/new/",
        {
            "name": "Walter Walkin",
            "phone": "020 7946 0001",
            "channel": "walk_in",
            "text": "Wants to return a kettle.",
            "location": north.pk,
            "team": team.pk,
        },
    )
    conversation = Conversation.objects.get(channel="walk_in")
    assert response["Location"] == f"/conversations/{conversation.pk}/"
    customer = conversation.customer
    assert (customer.name, customer.location, conversation.team) == ("Walter Walkin", north, team)
    assert list(customer.identities.values_list("value", flat=True)) == ["+442079460001"]


def test_a_refused_new_conversation_leaves_no_customer_behind(maria, north, agent_north):
    before = (Customer.objects.count(), Conversation.objects.count())
    fields = {
        "name": "Wendy",
        "email": "maria@example.com",  # Maria's: refused by the action
        "channel": "phone",
        "subject": "Callback",
        "location": str(north.pk),
    }
    response = client_for(agent_north).post("/conversations/new/", fields)
    assert response.status_code == 400
    [message] = error_of(response, "form", "email")
    assert "already belongs" in message
    assert typed(response, "name") == "Wendy" and typed(response, "subject") == "Callback"
    assert (Customer.objects.count(), Conversation.objects.count()) == before


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"channel": "phone", "subject": "Hi"}, "name"),
        ({"name": "Wendy", "channel": "fax", "subject": "Hi"}, "channel"),
        ({"name": "Wendy", "channel": "phone"}, "text"),
    ],
)
def test_a_new_conversation_needs_a_customer_a_channel_and_something_said(
    fields, field, north, agent_north
):
    response = client_for(agent_north).post("/conversations/new/", {**fields, "location": north.pk})
    assert response.status_code == 400
    assert error_of(response, "form", field)
    assert not Conversation.objects.exists()


def test_a_new_conversation_only_at_a_location_the_agent_serves(maria, south, agent_north):
    response = client_for(agent_north).post(
        "/conversations/new/",
        {"customer": maria.customer_id, "channel": "phone", "subject": "Hi", "location": south.pk},
    )
    assert response.status_code == 400
    assert error_of(response, "form", "location")
    assert Conversation.objects.count() == 1


def test_the_new_conversation_page_finds_an_existing_customer(maria, jonas, agent_north):
    response = client_for(agent_north).get("/conversations/new/", {"find": "maria@"})
    assert [hit.customer.pk for hit in response.context["hits"]] == [maria.customer_id]
    assert f'href="?customer={maria.customer_id}"' in response.content.decode()


# What the pages cost ------------------------------------------------------------


def many_conversations(location, count: int):
    for n in range(count):
        write_in(location, "maria@example.com", f"Question {n}", minutes_ago=n)


def test_the_profile_costs_the_same_with_many_conversations(
    maria, north, agent_north, django_assert_max_num_queries
):
    customer = maria.customer
    actions.add_identity(agent_north, customer, "phone", "+442071838750")
    for n in range(5):
        actions.add_note(agent_north, customer, f"Note {n}")
    other = actions.create_customer(agent_north, name="Maria 2", location=north)
    actions.unmerge(agent_north, actions.merge(agent_north, other, customer))
    actions.merge(agent_north, other, customer)
    many_conversations(north, 30)
    client = client_for(agent_north)
    # Session, user, locations, customer, identities, notes, conversations,
    # history, undone merges, merged customers, custom fields with their values,
    # the top bar's bell, the recovery cases (and their triggers, when there are any); survey
    # scores, the survey opt-out and the conversations' latest scores (helpline.feedback).
    with django_assert_max_num_queries(16):
        response = client.get(f"/customers/{customer.pk}/")
    assert len(response.context["conversations"]) == 31


def test_the_list_costs_the_same_with_many_customers(
    north, agent_north, django_assert_max_num_queries
):
    for n in range(40):
        actions.create_customer(
            None, name=f"Customer {n}", location=north, identities=[("email", f"c{n}@ex.com")]
        )
    client = client_for(agent_north)
    # One of each is the top bar's bell, one the custom fields to filter by; a search
    # also looks for a custom value that is the query.
    with django_assert_max_num_queries(7):
        response = client.get("/customers/")
    assert len(response.context["customers"]) == 40
    with django_assert_max_num_queries(9):
        response = client.get("/customers/", {"q": "customer"})
    assert len(response.context["hits"]) == 40


# An address or number that is someone else's --------------------------------------------


def _error_html(response, form: str, field: str) -> str:
    [message] = error_of(response, form, field)
    page = response.content.decode()
    assert f'id="id_{field}_error" role="alert"><p>{message}</p>' in page  # rendered as markup
    return message


def test_a_taken_address_links_its_owner_and_offers_the_merge(maria, maria_at_work, agent_north):
    other = maria_at_work.customer
    response = client_for(agent_north).post(
        f"/customers/{maria.customer_id}/edit/",
        {"part": "identity", "kind": "phone", "value": "020 7183 8750"},
    )
    assert response.status_code == 400
    message = _error_html(response, "identity", "value")
    assert message.startswith(
        f'+442071838750 already belongs to <a href="/customers/{other.pk}/" class="owner">'
        "M. Lopez</a>."
    )
    merge = f"/customers/{maria.customer_id}/merge/?other={other.pk}"
    assert f'<a href="{merge}" class="merge-offer">merge them</a>' in message
    offered = client_for(agent_north).get(merge)
    assert offered.status_code == 200 and "M. Lopez" in offered.content.decode()


def test_a_new_customer_with_a_taken_address_links_its_owner(maria, north, agent_north):
    response = client_for(agent_north).post(
        "/customers/new/", {"name": "Wendy", "email": "MARIA@example.com", "location": north.pk}
    )
    message = _error_html(response, "form", "email")
    assert f'<a href="/customers/{maria.customer_id}/" class="owner">Maria Lopez</a>' in message
    assert f'href="/conversations/new/?customer={maria.customer_id}"' in message


def test_another_locations_owner_is_not_revealed(jonas, north, agent_north):
    for url, data, form, field in [
        (
            "/customers/new/",
            {"name": "J", "email": "jonas@example.de", "location": north.pk},
            "form",
            "email",
        ),
        (
            "/conversations/new/",
            {
                "name": "J",
                "email": "jonas@example.de",
                "channel": "phone",
                "subject": "Hi",
                "location": north.pk,
            },
            "form",
            "email",
        ),
    ]:
        response = client_for(agent_north).post(url, data)
        assert response.status_code == 400
        [message] = error_of(response, form, field)
        assert message == (
            "jonas@example.de is already in use. An admin can tell whose it is, and merge "
            "them if they are the same person."
        )
        page = response.content.decode()
        assert "Jonas" not in page and f"/customers/{jonas.customer_id}/" not in page


def test_an_admin_sees_whose_it_is_anywhere(jonas, north, admin):
    response = client_for(admin).post(
        "/customers/new/", {"name": "J", "email": "jonas@example.de", "location": north.pk}
    )
    [message] = error_of(response, "form", "email")
    assert f'<a href="/customers/{jonas.customer_id}/" class="owner">Jonas Weber</a>' in message
