"""Searching conversations: the index follows every write, and only visible ones are found."""

import pytest
from django.db import connection

from helpline.conversations import actions
from helpline.conversations.models import Message
from helpline.conversations.receive import receive, receive_many
from helpline.search import backends
from helpline.search.search import search_conversations
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def found(user, query, **options) -> list[int]:
    return [hit.conversation.pk for hit in search_conversations(user, query, **options)]


@pytest.fixture
def kettle(mailbox):
    received = receive(
        email_from(
            name="Maria Lopez",
            subject="Broken kettle",
            text="The kettle I bought last week stopped heating.",
            external_id="kettle@example.com",
            mailbox=mailbox,
        )
    )
    return received.message.conversation


def test_it_finds_a_received_message_by_a_word_of_its_text(kettle, agent_north):
    assert found(agent_north, "heating") == [kettle.pk]


def test_it_finds_a_conversation_by_its_subject(kettle, agent_north):
    hits = search_conversations(agent_north, "broken")
    assert [hit.conversation.pk for hit in hits] == [kettle.pk]
    assert hits[0].message_id is None
    assert hits[0].snippet == "<mark>Broken</mark> kettle"


def test_it_finds_messages_written_in_bulk(mailbox, agent_north):
    received = receive_many(
        [
            email_from(
                f"c{i}@example.com", text=f"Parcel number {i} arrived damaged", mailbox=mailbox
            )
            for i in range(5)
        ]
    )
    conversations = {r.message.conversation.pk for r in received}
    assert set(found(agent_north, "damaged")) == conversations
    assert found(agent_north, '"number 3"') == [received[3].message.conversation.pk]


def test_it_finds_a_reply_an_agent_wrote(kettle, agent_north):
    actions.reply(agent_north, kettle, "A replacement thermostat ships tomorrow.")
    assert found(agent_north, "thermostat") == [kettle.pk]


def test_it_follows_a_changed_subject(kettle, agent_north):
    actions.rename(agent_north, kettle, "Refund requested")
    assert found(agent_north, "refund") == [kettle.pk]
    assert found(agent_north, "broken ") == []


def test_it_follows_edited_and_deleted_messages(kettle, agent_north):
    message = Message.objects.get(conversation=kettle)
    Message.objects.filter(pk=message.pk).update(text="Descaling did not help")
    assert found(agent_north, "descaling") == [kettle.pk]
    assert found(agent_north, "heating ") == []
    Message.objects.bulk_update([Message(pk=message.pk, text="Limescale everywhere")], ["text"])
    assert found(agent_north, "limescale") == [kettle.pk]
    message.delete()
    assert found(agent_north, "limescale") == []


def test_the_last_word_is_a_prefix_while_typing(kettle, agent_north):
    assert found(agent_north, "kett") == [kettle.pk]
    assert found(agent_north, "stopped heat") == [kettle.pk]
    assert found(agent_north, "kett ") == []  # a finished word is a whole word


def test_all_words_must_match(kettle, agent_north):
    assert found(agent_north, "kettle heating") == [kettle.pk]
    assert found(agent_north, "kettle toaster") == []


def test_a_quoted_phrase_needs_its_words_in_order(kettle, agent_north):
    assert found(agent_north, '"stopped heating"') == [kettle.pk]
    assert found(agent_north, '"heating stopped"') == []


def test_the_snippet_highlights_the_match_and_escapes_customer_html(mailbox, agent_north):
    receive(
        email_from(
            text="<script>alert(1)</script> my invoice & receipt are wrong",
            mailbox=mailbox,
        )
    )
    [hit] = search_conversations(agent_north, "invoice")
    assert "<mark>invoice</mark>" in hit.snippet
    assert "<script>" not in hit.snippet
    assert "&amp;" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_an_agent_of_another_location_finds_nothing(kettle, agent_south, agent_north, admin):
    assert found(agent_south, "kettle") == []
    assert found(agent_north, "kettle") == [kettle.pk]
    assert found(admin, "kettle") == [kettle.pk]


def test_the_inbox_filters_apply(kettle, mailbox, agent_north, north):
    other = receive(
        email_from("b@example.com", text="My kettle leaks", mailbox=mailbox)
    ).message.conversation
    actions.set_status(agent_north, other, "pending")
    actions.set_priority(agent_north, other, "high")
    actions.assign(agent_north, other, assignee=agent_north)
    actions.set_tags(agent_north, other, ["Warranty"])

    assert set(found(agent_north, "kettle")) == {kettle.pk, other.pk}
    assert found(agent_north, "kettle", filters={"status": "pending"}) == [other.pk]
    assert found(agent_north, "kettle", filters={"priority": "normal"}) == [kettle.pk]
    assert found(agent_north, "kettle", filters={"assignee": "me"}) == [other.pk]
    assert found(agent_north, "kettle", filters={"assignee": "none"}) == [kettle.pk]
    assert found(agent_north, "kettle", filters={"tag": "warranty"}) == [other.pk]
    assert found(agent_north, "kettle", filters={"channel": "phone"}) == []
    assert set(found(agent_north, "kettle", filters={"location": north.pk})) == {
        kettle.pk,
        other.pk,
    }
    with pytest.raises(ValueError):
        search_conversations(agent_north, "kettle", filters={"colour": "red"})


def test_pages_follow_each_other_without_repeats(mailbox, agent_north):
    receive_many(
        [
            email_from(f"p{i}@example.com", text=f"refund {'please ' * i}", mailbox=mailbox)
            for i in range(7)
        ]
    )
    first = search_conversations(agent_north, "refund", limit=4)
    second = search_conversations(agent_north, "refund", limit=4, after=first[-1].cursor)
    ranks = [hit.rank for hit in first + second]
    assert len(first) == 4 and len(second) == 3
    assert len({hit.conversation.pk for hit in first + second}) == 7
    assert ranks == sorted(ranks, reverse=True)


def folds_accents() -> bool:
    with connection.cursor() as cursor:
        return backends.get(connection).folds_accents(cursor)


def test_accents_and_case_do_not_matter(mailbox, agent_north):
    conversation = receive(
        email_from(
            subject="Reklamation",
            text="Die Größe der Jacke für Herrn Müller ist falsch. La canción está mal.",
            mailbox=mailbox,
        )
    ).message.conversation
    for query in ("müller", "MÜLLER", "jacke für", "canción", "CANCIÓN", "está mal "):
        assert found(agent_north, query) == [conversation.pk], query
    if not folds_accents():
        pytest.skip("PostgreSQL without the unaccent extension: accents must be typed")
    for query in ("Muller", "cancion", "esta mal "):
        assert found(agent_north, query) == [conversation.pk], query


def test_a_very_long_message_is_stored_and_its_beginning_found(mailbox, agent_north):
    text = "Logfile attached: " + " ".join(f"line{i}" for i in range(60_000))
    conversation = receive(email_from(text=text, mailbox=mailbox)).message.conversation
    assert found(agent_north, "logfile") == [conversation.pk]


def test_japanese_text_is_found_by_an_exact_token(mailbox, agent_north):
    conversation = receive(
        email_from(
            subject="注文について",
            text="注文番号 12345 の 配送状況 を教えてください",
            mailbox=mailbox,
        )
    ).message.conversation
    assert found(agent_north, "配送状況 ") == [conversation.pk]
    assert found(agent_north, "注文について") == [conversation.pk]
    hits = search_conversations(agent_north, "配送状況")
    assert "<mark>配送状況</mark>" in hits[0].snippet
