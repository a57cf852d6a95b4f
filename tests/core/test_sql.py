"""The bulk UPDATE … FROM VALUES sets each row's own value, on either database."""

from datetime import UTC, datetime

import pytest

from helpline.conversations.models import Conversation
from helpline.conversations.receive import receive
from helpline.core.sql import update_from_values
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_value_and_others_are_untouched():
    conversations = [
        receive(email_from(f"c{i}@example.com", external_id=f"m{i}@x")).message.conversation
        for i in range(3)
    ]
    first, second, untouched = conversations
    when = [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)]
    before = untouched.last_message_at

    changed = update_from_values(
        Conversation, "last_message_at", [(first.pk, when[0]), (second.pk, when[1])]
    )

    assert changed == 2
    assert Conversation.objects.get(pk=first.pk).last_message_at == when[0]
    assert Conversation.objects.get(pk=second.pk).last_message_at == when[1]
    assert Conversation.objects.get(pk=untouched.pk).last_message_at == before


def test_a_foreign_key_and_nothing_to_do():
    a = receive(email_from("a@example.com", external_id="a@x")).message
    b = receive(email_from("b@example.com", external_id="b@x")).message
    conversation = a.conversation

    assert update_from_values(Conversation, "customer", []) == 0
    update_from_values(Conversation, "customer", [(conversation.pk, b.conversation.customer_id)])
    conversation.refresh_from_db()
    assert conversation.customer_id == b.conversation.customer_id
