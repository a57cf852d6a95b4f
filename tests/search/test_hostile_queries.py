"""Whatever a user types, search answers with results or nothing, never an error."""

import pytest

from helpline.conversations.receive import receive
from helpline.search.search import parse, search_conversations, search_customers
from tests.conftest import email_from

pytestmark = pytest.mark.django_db

HOSTILE = [
    "",
    " ",
    '"',
    '""',
    '"unclosed phrase',
    "*",
    "kettle*",
    "AND(",
    "kettle AND (",
    "NOT kettle",
    "OR",
    "-",
    "-kettle",
    ":",
    "kettle:*",
    "text:kettle",
    "^kettle",
    "'",
    "'; DROP TABLE conversations_message; --",
    "\\",
    "a\\'b",
    "!!!",
    "& | ! <-> ()",
    "kettle <-> broken",
    "NEAR(kettle broken, 2)",
    "{text}: kettle",
    "%_%",
    "\x00\x01",
    "\ue000kettle\ue001",
    "k" * 3000,
    "kettle " * 200,
]


@pytest.fixture
def kettle(mailbox):
    return receive(
        email_from(subject="Broken kettle", text="It stopped heating.", mailbox=mailbox)
    ).message.conversation


@pytest.mark.parametrize("query", HOSTILE)
def test_it_never_fails_on_odd_input(query, kettle, agent_north):
    for hit in search_conversations(agent_north, query):
        assert hit.conversation.pk == kettle.pk
    search_customers(agent_north, query)


def test_operators_are_plain_words(kettle, agent_north):
    assert [h.conversation.pk for h in search_conversations(agent_north, "-kettle")] == [kettle.pk]
    assert search_conversations(agent_north, "kettle OR toaster ") == []


def test_a_query_of_punctuation_only_has_no_terms():
    assert not parse("*** : - ( ")
    assert parse('broken "stopped heating" kett').prefix == "kett"
    assert parse('broken "stopped heating" kett').phrases == ["broken", "stopped heating"]
