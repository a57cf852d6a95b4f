"""/api/search: conversations and customers found by their words, as the desk may see them."""

import pytest
from django.db import connection

from helpline.conversations import actions
from helpline.search.backends import widenings
from tests.api.conftest import write_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettles(north):
    """Five customers at North Street asking about a broken kettle."""
    return [
        write_in(
            north,
            f"kettle{n}@example.com",
            f"Kettle {n}",
            "My kettle is broken",
            name=f"Kim Kettle {n}",
        ).conversation
        for n in range(5)
    ]


# Conversations


def test_it_finds_a_conversation_by_a_word_of_its_messages(nora_api, north_conversation):
    response = nora_api.get("/search/conversations", q="where")

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["conversation"]["id"] == north_conversation.pk
    assert item["conversation"]["customer"]["name"] == "Maria Lopez"
    assert "<mark>Where</mark>" in item["snippet"]
    assert isinstance(item["rank"], float)
    assert response.json()["next_cursor"] is None


def test_a_hit_carries_the_same_conversation_the_list_returns(nora_api, admin, north_conversation):
    actions.set_tags(admin, north_conversation, ["vip"])

    found = nora_api.get("/search/conversations", q="order").json()["items"][0]["conversation"]
    listed = nora_api.get("/conversations").json()["items"][0]

    assert found == listed
    assert found["tags"] == ["vip"]


def test_an_agent_of_another_location_finds_nothing(sam_api, nora_api, north_conversation):
    assert sam_api.get("/search/conversations", q="where").json()["items"] == []
    assert len(nora_api.get("/search/conversations", q="where").json()["items"]) == 1


def test_results_are_paged_by_the_cursor_without_repeats(nora_api, kettles):
    seen = []
    cursor = None
    while True:
        params = {"q": "kettle", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = nora_api.get("/search/conversations", **params).json()
        assert len(page["items"]) <= 2
        seen += [item["conversation"]["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(c.pk for c in kettles)


def test_filters_narrow_the_search(nora_api, admin, agent_north, kettles):
    actions.assign(admin, kettles[0], assignee=agent_north)
    actions.set_tags(admin, kettles[1], ["urgent"])

    def ids(**filters):
        items = nora_api.get("/search/conversations", q="kettle", **filters).json()["items"]
        return [item["conversation"]["id"] for item in items]

    assert ids(assignee="me") == [kettles[0].pk]
    assert ids(assignee=agent_north.pk) == [kettles[0].pk]
    assert ids(tag="Urgent") == [kettles[1].pk]
    assert ids(channel="phone") == []
    assert len(ids(status="new", channel="email", assignee="none")) == 4


def test_a_missing_query_is_a_422_naming_q(nora_api):
    response = nora_api.get("/search/conversations")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["q"]


def test_an_empty_query_is_a_422_naming_q(nora_api):
    response = nora_api.get("/search/customers", q="")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["q"]


def test_a_query_over_500_characters_is_a_422_naming_q(nora_api):
    response = nora_api.get("/search/conversations", q="x" * 501)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["q"]


@pytest.mark.parametrize("cursor", ["nonsense", "1.0:x", "nan:3", "inf:3", "1.0:0", f"1.0:{2**63}"])
def test_a_bad_cursor_is_a_400_naming_it(nora_api, north_conversation, cursor):
    response = nora_api.get("/search/conversations", q="where", cursor=cursor)

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["detail"]] == ["cursor"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("location", 999999), ("team", 999999), ("assignee", 999999), ("tag", "no-such-tag")],
)
def test_an_unknown_filter_value_is_a_400_naming_it(nora_api, north_conversation, field, value):
    response = nora_api.get("/search/conversations", q="where", **{field: value})

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["detail"]] == [field]


def test_a_location_the_agent_does_not_serve_is_a_400(nora_api, south, north_conversation):
    response = nora_api.get("/search/conversations", q="where", location=south.pk)

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["detail"]] == ["location"]


def test_a_filter_value_of_the_wrong_kind_is_a_422_like_the_list(nora_api, north_conversation):
    response = nora_api.get("/search/conversations", q="where", status="lost")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["status"]


def test_searching_requires_a_token(north_conversation):
    from tests.api.conftest import ApiClient

    assert ApiClient().get("/search/conversations", q="where").status_code == 401
    assert ApiClient().get("/search/customers", q="maria").status_code == 401


def test_searching_conversations_takes_a_fixed_number_of_queries(
    nora_api, admin, agent_north, kettles, django_assert_max_num_queries
):
    for conversation in kettles:
        actions.set_tags(admin, conversation, ["vip", "kettle"])
        actions.assign(admin, conversation, assignee=agent_north)

    # The token and the agent's locations (3), the matches, their snippets, the
    # conversations and their tags: the same for one hit as for a page of them.
    # PostgreSQL may widen its window of recent matches, a query each time.
    with django_assert_max_num_queries(7 + widenings(connection)):
        response = nora_api.get("/search/conversations", q="kettle")

    assert len(response.json()["items"]) == 5


# Customers


def test_it_finds_a_customer_by_name_and_says_what_matched(nora_api, north_conversation):
    response = nora_api.get("/search/customers", q="lopez")

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["id"] == north_conversation.customer_id
    assert item["name"] == "Maria Lopez"
    assert item["location"]["name"] == north_conversation.location.name
    assert [i["value"] for i in item["identities"]] == ["maria@example.com"]
    assert item["matched"] == "name"
    assert "<mark>" in item["snippet"]


def test_it_finds_a_customer_by_the_start_of_an_email_address(nora_api, north_conversation):
    [item] = nora_api.get("/search/customers", q="MARIA@exa").json()["items"]

    assert item["matched"] == "email"
    assert item["snippet"] == "<mark>maria@example.com</mark>"


def test_a_customer_hit_is_the_customer_the_list_returns_plus_what_matched(
    nora_api, north_conversation
):
    [found] = nora_api.get("/search/customers", q="maria@example.com").json()["items"]
    [listed] = nora_api.get("/customers", q="maria").json()["items"]

    assert {k: v for k, v in found.items() if k not in ("matched", "snippet")} == listed


def test_an_agent_of_another_location_finds_no_customer(sam_api, north_conversation):
    assert sam_api.get("/search/customers", q="maria").json()["items"] == []
    assert sam_api.get("/search/customers", q="maria@example.com").json()["items"] == []


def test_searching_customers_takes_a_fixed_number_of_queries(
    nora_api, kettles, django_assert_max_num_queries
):
    # The token and the agent's locations (3), the matches, the custom values that are the
    # query, the customers, their identities, their custom values.
    with django_assert_max_num_queries(8):
        by_name = nora_api.get("/search/customers", q="kim kettle")
    with django_assert_max_num_queries(8):
        by_email = nora_api.get("/search/customers", q="kettle3@example.com")

    assert len(by_name.json()["items"]) == 5
    assert [item["matched"] for item in by_email.json()["items"]] == ["email"]


@pytest.mark.parametrize("path", ["/search/conversations", "/search/customers"])
def test_a_query_with_a_nul_character_is_a_422_naming_q(nora_api, north_conversation, path):
    response = nora_api.get(path, q="maria\x00@example.com")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["q"]


def test_a_tag_with_a_nul_character_is_a_422_naming_it(nora_api, north_conversation):
    response = nora_api.get("/search/conversations", q="where", tag="v\x00ip")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["tag"]
