"""The desk's search page: conversations with highlighted snippets, customers beside them,
the inbox's filters, more results a page at a time, and only what the agent may see."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test import Client

from helpline.conversations import actions
from helpline.conversations.models import Status
from helpline.customers.actions import create_customer
from helpline.desk.views import search as search_views
from helpline.search.backends import widenings
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def found(response) -> list[int]:
    return [hit.conversation.pk for hit in response.context["hits"]]


@pytest.fixture
def kettle(north):
    return write_in(
        north,
        "maria@example.com",
        "Broken kettle",
        "The kettle I bought last week stopped heating.",
        name="Maria Lopez",
    )


@pytest.fixture
def kessel(south):
    """A kettle at South Mall, which North Street's agents must never see."""
    return write_in(south, "jonas@example.de", "Kettle broken", "My kettle leaks.", name="Jonas")


def test_an_empty_query_explains_the_syntax(agent_north):
    response = client_for(agent_north).get("/search/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="search-help"' in html and "quoted phrases" in html
    assert response.context["hits"] == []


def test_it_finds_a_message_and_marks_the_words_in_a_snippet(kettle, agent_north):
    response = client_for(agent_north).get("/search/", {"q": "heating"})
    assert found(response) == [kettle.pk]
    html = response.content.decode()
    assert "<mark>heating</mark>" in html
    message = kettle.messages.get()
    assert f'href="/conversations/{kettle.pk}/#message-{message.pk}"' in html
    assert f'data-row data-id="{kettle.pk}"' in html
    # The top bar's box shows what was searched.
    assert (
        'id="search-q" name="q" type="search" placeholder="Search  ( / )" value="heating"' in html
    )


def test_a_snippet_is_escaped_text(north, agent_north):
    write_in(north, "eve@example.com", "Markup", "<script>alert(1)</script> kettle < 5 & more")
    response = client_for(agent_north).get("/search/", {"q": "kettle"})
    [hit] = response.context["hits"]
    assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<script>alert(1)" not in response.content.decode()


def test_it_never_shows_another_locations_conversations_or_customers(
    kettle, kessel, agent_north, agent_south, admin
):
    response = client_for(agent_north).get("/search/", {"q": "kettle"})
    assert found(response) == [kettle.pk]
    assert "Jonas" not in response.content.decode()
    for query in ("jonas", "jonas@example.de"):
        response = client_for(agent_north).get("/search/", {"q": query})
        assert response.context["customer_hits"] == [] and found(response) == []
    assert found(client_for(agent_south).get("/search/", {"q": "kettle"})) == [kessel.pk]
    assert set(found(client_for(admin).get("/search/", {"q": "kettle"}))) == {kettle.pk, kessel.pk}


def test_customers_are_shown_beside_the_conversations(kettle, agent_north):
    response = client_for(agent_north).get("/search/", {"q": "maria@example"})
    assert [hit.customer.pk for hit in response.context["customer_hits"]] == [kettle.customer_id]
    html = response.content.decode()
    assert f'href="/customers/{kettle.customer_id}/"' in html
    assert "<mark>maria@example.com</mark>" in html


def test_filters_narrow_the_results(kettle, north, admin, agent_north):
    solved = write_in(north, "otto@example.com", "Another kettle", "Kettle fixed itself")
    actions.set_status(admin, solved, Status.SOLVED)
    pia = create_customer(admin, name="Pia", location=north)
    by_phone = actions.start_conversation(
        admin, pia, channel="phone", subject="Kettle", text="Kettle call", location=north
    )
    client = client_for(agent_north)
    assert set(found(client.get("/search/", {"q": "kettle"}))) == {
        kettle.pk,
        solved.pk,
        by_phone.pk,
    }
    assert found(client.get("/search/", {"q": "kettle", "status": "solved"})) == [solved.pk]
    assert found(client.get("/search/", {"q": "kettle", "channel": "phone"})) == [by_phone.pk]
    assert found(client.get("/search/", {"q": "kettle", "location": north.pk + 100})) == []
    # A value the page does not know is ignored, as in the inbox.
    assert len(found(client.get("/search/", {"q": "kettle", "status": "bogus"}))) == 3


def test_more_results_page_through_every_hit_once(north, agent_north, monkeypatch):
    monkeypatch.setattr(search_views, "PAGE_SIZE", 2)
    conversations = {
        write_in(north, f"c{n}@example.com", f"Parcel {n}", "The parcel arrived damaged").pk
        for n in range(5)
    }
    client = client_for(agent_north)
    seen, params, pages = [], {"q": "damaged", "channel": "email"}, 0
    while params:
        response = client.get("/search/", params)
        seen += found(response)
        pages += 1
        if pages > 1:
            assert response.context["customer_hits"] == []  # only beside the first page
        more = response.context["more_url"]
        params = {k: v[0] for k, v in parse_qs(urlparse(more).query).items()} if more else None
        if params:
            assert params["channel"] == "email" and params["q"] == "damaged"
    assert sorted(seen) == sorted(conversations)
    assert pages == 3


@pytest.mark.parametrize(
    "params",
    [
        {"q": "kettle\x00"},
        {"q": "kettle", "after": "nan:1"},
        {"q": "kettle", "after": "inf:99"},
        {"q": "kettle", "after": "garbage"},
        {"q": "kettle", "tag": "a\x00b"},
        {"q": '"unclosed OR -kettle* :('},
        {"q": "k" * 2000},
    ],
)
def test_odd_input_shows_a_page_not_an_error(params, kettle, agent_north):
    response = client_for(agent_north).get("/search/", params)
    assert response.status_code == 200


def test_signed_out_search_asks_to_sign_in():
    response = Client().get("/search/", {"q": "kettle"})
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_search_costs_the_same_with_many_hits(
    north, admin, agent_north, django_assert_max_num_queries
):
    for n in range(25):
        conversation = write_in(north, f"c{n}@example.com", f"Kettle {n}", "Kettle broken")
        actions.set_tags(admin, conversation, ["kettle", f"batch-{n % 3}"])
    client = client_for(agent_north)
    # Session, user, locations, teams, the search's own queries, tags, customers, custom
    # values that are the query; PostgreSQL may widen its window of recent matches, a
    # query each time.
    with django_assert_max_num_queries(12 + widenings(connection)):
        response = client.get("/search/", {"q": "kettle"})
    assert len(response.context["hits"]) == search_views.PAGE_SIZE
