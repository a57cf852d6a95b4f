"""A message that refers to very many ids: the batch's reads are chunked, never too big."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpline.conversations.receive import receive, receive_many
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def test_a_message_referring_to_more_ids_than_sqlite_allows_is_received(mailbox):
    first = receive(email_from(external_id="root@x", mailbox=mailbox)).message
    ids = [f"r{i}@x" for i in range(260_000)] + ["root@x"]  # over 250,000 variables
    reply = receive(email_from(external_id="reply@x", thread_ids=ids, mailbox=mailbox))
    assert reply.created
    assert reply.message.conversation == first.conversation


def test_a_normal_batch_still_reads_its_ids_in_one_query_each(mailbox):
    receive(email_from(external_id="root@x", mailbox=mailbox))
    inbounds = [
        email_from(f"c{i}@example.com", external_id=f"m{i}@x", thread_ids=[f"p{i}@x", "root@x"])
        for i in range(50)
    ]
    with CaptureQueriesContext(connection) as queries:
        receive_many(inbounds)
    reads = [q["sql"] for q in queries if '"external_id" IN' in q["sql"] and "SELECT" in q["sql"]]
    roots = [q["sql"] for q in queries if '"thread_key" IN' in q["sql"]]
    assert len(reads) == 1
    assert len(roots) == 1
