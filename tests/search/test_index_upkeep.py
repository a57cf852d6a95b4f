"""The index covers rows written before it existed, and survives SQLite table rebuilds."""

import pytest
from django.core.management import call_command
from django.db import connection

from helpline.conversations.receive import receive
from helpline.search.search import search_conversations, search_customers
from tests.conftest import email_from


@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_existing_data(mailbox, agent_north):
    call_command("migrate", "search", "zero", verbosity=0)
    try:
        conversation = receive(
            email_from(name="Olga Petrova", subject="Lost umbrella", text="Left it at the till")
        ).message.conversation
        # Written before the index existed, and never touched again by the ORM.
        conversation.customer.location = conversation.location = mailbox.location
        conversation.customer.save(update_fields=["location"])
        conversation.save(update_fields=["location"])
    finally:
        call_command("migrate", "search", verbosity=0)
    assert [h.conversation.pk for h in search_conversations(agent_north, "umbrella")] == [
        conversation.pk
    ]
    assert [h.conversation.pk for h in search_conversations(agent_north, "till")] == [
        conversation.pk
    ]
    assert [h.customer.pk for h in search_customers(agent_north, "petrova")] == [
        conversation.customer_id
    ]


@pytest.mark.django_db
def test_lost_sqlite_triggers_are_restored_after_migrate(mailbox, agent_north):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps expression indexes through table changes")
    with connection.cursor() as cursor:
        # What Django's table rebuild on SQLite does to triggers.
        cursor.execute("DROP TRIGGER search_message_ai")
    conversation = receive(
        email_from(text="Written while the trigger was gone", mailbox=mailbox)
    ).message.conversation
    assert search_conversations(agent_north, "trigger") == []

    call_command("migrate", verbosity=0)

    assert [h.conversation.pk for h in search_conversations(agent_north, "trigger")] == [
        conversation.pk
    ]
