"""Bulk SQL that Django's ORM writes slowly, for PostgreSQL and SQLite (3.33+).

`QuerySet.bulk_update` builds a CASE with one WHEN per row and field, whose
compilation costs more than the query; one `UPDATE … FROM (VALUES …)` does
the same work. Both databases name the VALUES columns column1, column2.
"""

from django.db import connection, models


def update_from_values(model: type[models.Model], field_name: str, rows) -> int:
    """Set `field_name` of each row given as (primary key, value); return rows changed."""
    rows = list(rows)
    if not rows:
        return 0
    field = model._meta.get_field(field_name)
    pk = model._meta.pk
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        # VALUES has no column types of its own: say them.
        row = f"(%s::{pk.db_type(connection)}, %s::{field.db_type(connection)})"
    else:
        row = "(%s, %s)"
    params = []
    for key, value in rows:
        params += [key, field.get_db_prep_save(value, connection)]
    sql = (
        f"UPDATE {table} SET {quote(field.column)} = v.column2 "
        f"FROM (VALUES {', '.join([row] * len(rows))}) AS v "
        f"WHERE {table}.{quote(pk.column)} = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
