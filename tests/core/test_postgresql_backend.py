"""PostgreSQL: statements are prepared on the connection, and batches stay within the
65,535 parameters a bound statement may carry."""

import pytest
from django.db import connection

from helpline.conversations.models import Tag
from helpline.core.postgresql.base import MAX_BOUND_PARAMETERS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_query_run_a_few_times_is_prepared_once_and_planned_no_more():
    assert connection.features.uses_server_side_binding
    marker = "prepared-marker"
    for _ in range(connection.connection.prepare_threshold + 1):
        list(Tag.objects.filter(name=marker))
    statements = [s for s in _prepared() if '"conversations_tag"' in s and "$1" in s]
    assert len(statements) == 1, statements


def test_work_larger_than_one_statement_may_carry_is_split():
    tags = Tag.objects.bulk_create(Tag(name=f"tag-{n}") for n in range(MAX_BOUND_PARAMETERS + 10))
    ids = [tag.pk for tag in tags]

    assert len(Tag.objects.in_bulk(ids)) == len(ids)  # one statement of them all would fail
    name = Tag._meta.get_field("name")
    per_update = connection.ops.bulk_batch_size([name], tags)
    assert per_update > 0 and 3 * per_update <= MAX_BOUND_PARAMETERS  # CASE pk WHEN … THEN …
