"""Two customers become one: everything moves, nothing is lost, and the log can undo it."""

import threading

import pytest
from django.db import connection

from helpline.conversations.models import Conversation, Message
from helpline.conversations.receive import receive
from helpline.core.models import Activity
from helpline.customers.actions import (
    MergeError,
    add_identity,
    add_note,
    create_customer,
    merge,
    resolve_merged,
    unmerge,
    update_customer,
)
from helpline.customers.models import Customer, CustomerNote, Identity
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def customer_writing_from(address, mailbox, subject, name=""):
    received = receive(email_from(address, subject=subject, name=name, mailbox=mailbox))
    return received.message.conversation.customer


@pytest.fixture
def maria(mailbox, agent_north):
    """The customer the desk knows: named, with a conversation and a note."""
    customer = customer_writing_from("maria@example.com", mailbox, "Kettle", "María López")
    add_note(agent_north, customer, "Prefers email.")
    return customer


@pytest.fixture
def maria_at_work(mailbox, agent_north):
    """The same person from her work address, not yet known to be her."""
    customer = customer_writing_from("m.lopez@work.example", mailbox, "Invoice")
    add_identity(agent_north, customer, "phone", "+442071838750")
    add_note(agent_north, customer, "Called about an invoice.")
    return customer


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Customer, Identity, Conversation, Message, CustomerNote)
    }


def holdings(customer):
    return {
        "identities": set(customer.identities.values_list("pk", flat=True)),
        "conversations": set(customer.conversations.values_list("pk", flat=True)),
        "notes": set(customer.notes.values_list("pk", flat=True)),
    }


def test_identities_conversations_and_notes_move_to_the_target(agent_north, maria, maria_at_work):
    before = holdings(maria_at_work)

    merge(agent_north, maria_at_work, maria)

    assert holdings(maria_at_work) == {"identities": set(), "conversations": set(), "notes": set()}
    after = holdings(maria)
    for kind, ids in before.items():
        assert ids <= after[kind]
    assert maria.identities.count() == 3
    assert maria.conversations.count() == 2
    assert maria.notes.count() == 2
    maria_at_work.refresh_from_db()
    assert maria_at_work.merged_into == maria
    assert resolve_merged(maria_at_work) == maria


def test_an_email_to_the_old_address_afterwards_lands_on_the_target(
    agent_north, mailbox, maria, maria_at_work
):
    merge(agent_north, maria_at_work, maria)

    received = receive(
        email_from("M.Lopez@work.example", subject="Another invoice", mailbox=mailbox)
    )

    assert received.new_conversation
    assert received.message.conversation.customer == maria
    assert received.message.identity.customer == maria
    assert Customer.objects.filter(merged_into__isnull=True).count() == 1


def test_the_activity_lists_exactly_what_moved(agent_north, maria, maria_at_work):
    moved = holdings(maria_at_work)

    activity = merge(agent_north, maria_at_work, maria)

    assert activity.verb == "customer.merged"
    assert (activity.subject_type, activity.subject_id) == ("customer", maria.pk)
    assert activity.actor == agent_north
    stored = Activity.objects.get(pk=activity.pk).data
    assert stored["source_id"] == maria_at_work.pk
    assert set(stored["identity_ids"]) == moved["identities"]
    assert set(stored["conversation_ids"]) == moved["conversations"]
    assert set(stored["note_ids"]) == moved["notes"]
    assert stored["target_name_before"] == "María López"
    assert Activity.objects.filter(verb="customer.merged").count() == 1


def test_the_target_keeps_its_name(agent_north, mailbox, maria):
    other = customer_writing_from("mlopez@home.example", mailbox, "Hi", "M. Lopez")

    merge(agent_north, other, maria)

    maria.refresh_from_db()
    assert maria.name == "María López"


def test_a_nameless_target_takes_the_source_name(agent_north, maria, maria_at_work):
    activity = merge(agent_north, maria, maria_at_work)

    maria_at_work.refresh_from_db()
    assert maria_at_work.name == "María López"
    assert activity.data["target_name_before"] == ""


def test_unmerge_puts_back_exactly_what_moved(agent_north, maria, maria_at_work):
    source_before, target_before = holdings(maria), holdings(maria_at_work)
    activity = merge(agent_north, maria, maria_at_work)

    restored = unmerge(agent_north, activity)

    assert restored == maria
    assert holdings(maria) == source_before
    assert holdings(maria_at_work) == target_before
    maria.refresh_from_db()
    maria_at_work.refresh_from_db()
    assert maria.merged_into is None
    assert maria_at_work.name == ""  # the name the merge gave it is taken back
    undone = Activity.objects.get(verb="customer.unmerged")
    assert undone.data["merge_id"] == activity.pk
    assert (undone.subject_type, undone.subject_id) == ("customer", maria_at_work.pk)


def test_a_name_given_after_the_merge_is_kept_by_unmerge(agent_north, maria, maria_at_work):
    activity = merge(agent_north, maria, maria_at_work)
    update_customer(agent_north, maria_at_work, name="Maria Lopez-Garcia")

    unmerge(agent_north, activity)

    maria_at_work.refresh_from_db()
    assert maria_at_work.name == "Maria Lopez-Garcia"


def test_after_unmerge_the_old_address_finds_its_own_customer_again(
    agent_north, mailbox, maria, maria_at_work
):
    unmerge(agent_north, merge(agent_north, maria_at_work, maria))

    received = receive(email_from("m.lopez@work.example", subject="Again", mailbox=mailbox))

    assert received.message.conversation.customer == maria_at_work


def test_a_conversation_that_arrived_after_the_merge_follows_its_identity_back(
    agent_north, mailbox, maria, maria_at_work
):
    activity = merge(agent_north, maria_at_work, maria)
    from_source = receive(email_from("m.lopez@work.example", subject="Later", mailbox=mailbox))
    from_target = receive(email_from("maria@example.com", subject="Also later", mailbox=mailbox))

    unmerge(agent_north, activity)

    assert from_source.message.conversation in maria_at_work.conversations.all()
    assert from_target.message.conversation in maria.conversations.all()
    undone = Activity.objects.get(verb="customer.unmerged")
    assert undone.data["followed_conversation_ids"] == [from_source.message.conversation.pk]


def test_identities_and_notes_added_after_the_merge_stay_with_the_target(
    agent_north, maria, maria_at_work
):
    activity = merge(agent_north, maria_at_work, maria)
    note = add_note(agent_north, maria, "Merged her two profiles.")
    identity = add_identity(agent_north, maria, "phone", "+442079460000")

    unmerge(agent_north, activity)

    assert note in maria.notes.all()
    assert identity in maria.identities.all()


def test_a_merge_cannot_be_undone_twice(agent_north, maria, maria_at_work):
    activity = merge(agent_north, maria_at_work, maria)
    unmerge(agent_north, activity)

    with pytest.raises(MergeError) as refused:
        unmerge(agent_north, activity)

    assert refused.value.field == "activity"
    assert Activity.objects.filter(verb="customer.unmerged").count() == 1


def test_a_merge_undone_and_done_again_is_a_new_merge(agent_north, maria, maria_at_work):
    first = merge(agent_north, maria_at_work, maria)
    unmerge(agent_north, first)
    second = merge(agent_north, maria_at_work, maria)

    with pytest.raises(MergeError):
        unmerge(agent_north, first)
    unmerge(agent_north, second)

    maria_at_work.refresh_from_db()
    assert maria_at_work.merged_into is None
    assert maria_at_work.conversations.count() == 1


def test_an_activity_that_is_not_a_merge_cannot_be_undone(agent_north, maria):
    note_added = Activity.objects.get(verb="customer.note_added", subject_id=maria.pk)

    with pytest.raises(MergeError) as refused:
        unmerge(agent_north, note_added)

    assert refused.value.field == "activity"


def test_a_customer_cannot_be_merged_into_itself(agent_north, maria):
    with pytest.raises(MergeError) as refused:
        merge(agent_north, maria, maria)

    assert refused.value.field == "into"
    maria.refresh_from_db()
    assert maria.merged_into is None


def test_a_customer_cannot_be_merged_into_a_merged_one(agent_north, mailbox, maria, maria_at_work):
    third = customer_writing_from("third@example.com", mailbox, "Hello")
    merge(agent_north, maria_at_work, maria)

    with pytest.raises(MergeError) as refused:
        merge(agent_north, third, maria_at_work)

    assert refused.value.field == "into"
    assert third.conversations.count() == 1


def test_a_merged_customer_cannot_be_merged_again(agent_north, mailbox, maria, maria_at_work):
    third = customer_writing_from("third@example.com", mailbox, "Hello")
    merge(agent_north, maria_at_work, maria)

    with pytest.raises(MergeError) as refused:
        merge(agent_north, maria_at_work, third)

    assert refused.value.field == "source"


def test_chained_merges_lead_to_the_last_customer(agent_north, mailbox, maria, maria_at_work):
    third = customer_writing_from("maria.l@shop.example", mailbox, "Loyalty card", "Maria L")
    first = merge(agent_north, maria_at_work, maria)
    second = merge(agent_north, maria, third)

    received = receive(email_from("m.lopez@work.example", subject="Chained", mailbox=mailbox))

    assert received.message.conversation.customer == third
    maria_at_work.refresh_from_db()
    assert resolve_merged(maria_at_work) == third
    assert third.identities.count() == 4
    assert set(second.data["identity_ids"]) >= set(first.data["identity_ids"])


def test_chained_merges_are_undone_last_first(agent_north, mailbox, maria, maria_at_work):
    third = customer_writing_from("maria.l@shop.example", mailbox, "Loyalty card", "Maria L")
    before = {c.pk: holdings(c) for c in (maria, maria_at_work, third)}
    first = merge(agent_north, maria_at_work, maria)
    second = merge(agent_north, maria, third)

    with pytest.raises(MergeError) as refused:
        unmerge(agent_north, first)
    assert refused.value.field == "activity"

    unmerge(agent_north, second)
    unmerge(agent_north, first)

    assert {c.pk: holdings(c) for c in (maria, maria_at_work, third)} == before


def test_an_agent_of_another_location_cannot_merge(agent_south, maria, maria_at_work):
    with pytest.raises(MergeError) as refused:
        merge(agent_south, maria_at_work, maria)

    assert refused.value.field == "source"
    maria_at_work.refresh_from_db()
    assert maria_at_work.merged_into is None
    assert maria_at_work.conversations.count() == 1


def test_an_agent_must_see_the_target_too(agent_north, south, maria_at_work):
    elsewhere = create_customer(None, name="Maria", location=south)

    with pytest.raises(MergeError) as refused:
        merge(agent_north, maria_at_work, elsewhere)

    assert refused.value.field == "into"


def test_an_agent_of_another_location_cannot_unmerge(
    agent_north, agent_south, maria, maria_at_work
):
    activity = merge(agent_north, maria_at_work, maria)

    with pytest.raises(MergeError) as refused:
        unmerge(agent_south, activity)

    assert refused.value.field == "activity"
    maria_at_work.refresh_from_db()
    assert maria_at_work.merged_into == maria


def test_an_admin_merges_across_locations(admin, agent_north, south, maria_at_work):
    elsewhere = create_customer(None, name="Maria", location=south)

    merge(admin, maria_at_work, elsewhere)

    assert elsewhere.conversations.count() == 1


def test_nothing_is_lost(agent_north, mailbox, maria, maria_at_work):
    receive(email_from("maria@example.com", subject="Second kettle", mailbox=mailbox))
    before = counts()

    activity = merge(agent_north, maria_at_work, maria)
    assert counts() == before

    receive(email_from("m.lopez@work.example", subject="After", mailbox=mailbox))
    during = counts()
    unmerge(agent_north, activity)

    assert counts() == during
    assert Message.objects.filter(conversation__customer__merged_into__isnull=False).count() == 0


def at_once(*calls):
    """Run each call in its own thread and database connection, started together."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test reads
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_customers_merged_into_each_other_at_once_end_as_one(agent_north, maria, maria_at_work):
    outcomes = at_once(
        lambda: merge(agent_north, maria_at_work, maria),
        lambda: merge(agent_north, maria, maria_at_work),
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["Activity", "MergeError"]
    assert Customer.objects.filter(merged_into__isnull=True).count() == 1
    assert Activity.objects.filter(verb="customer.merged").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_merge_undone_twice_at_once_is_undone_once(agent_north, maria, maria_at_work):
    activity = merge(agent_north, maria_at_work, maria)

    outcomes = at_once(
        lambda: unmerge(agent_north, activity), lambda: unmerge(agent_north, activity)
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["Customer", "MergeError"]
    assert Activity.objects.filter(verb="customer.unmerged").count() == 1
