"""Bulk SQL that Django's ORM writes slowly, for PostgreSQL and SQLite (3.33+ / 3.35+).

`QuerySet.bulk_update` builds a CASE with one WHEN per row and field, whose
compilation costs more than the query; one `UPDATE … FROM (VALUES …)` does
the same work. Both databases name the VALUES columns column1, column2, …
`bulk_create(ignore_conflicts=True)` cannot say which rows it inserted; an
`INSERT … ON CONFLICT DO NOTHING RETURNING` can.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models.options import Options


def _column(meta: Options, name: str) -> models.Field:
    """The concrete field `name`: one with a column (not a reverse relation)."""
    field = meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{meta.label}.{name} has no column")
    return field


def update_from_values(model: type[models.Model], field_name: str, rows) -> int:
    """Set `field_name` of each row given as (primary key, value); return rows changed."""
    return update_fields_from_values(model, [field_name], ((pk, value) for pk, value in rows))


def update_fields_from_values(
    model: type[models.Model], field_names: Sequence[str], rows: Iterable[tuple]
) -> int:
    """Set several fields of each row given as (primary key, value, value, …) in one UPDATE."""
    rows = list(rows)
    if not rows:
        return 0
    meta = model._meta
    fields = [_column(meta, name) for name in field_names]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":  # VALUES has no column types of its own: say them
        types = [meta.pk.db_type(connection), *(f.db_type(connection) for f in fields)]
        row = "(" + ", ".join(f"%s::{kind}" for kind in types) + ")"
    else:
        row = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    params = []
    for key, *values in rows:
        params.append(key)
        params += [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    assignments = ", ".join(
        f"{quote(field.column)} = v.column{index}" for index, field in enumerate(fields, start=2)
    )
    sql = (
        f"UPDATE {table} SET {assignments} "
        f"FROM (VALUES {', '.join([row] * len(rows))}) AS v "
        f"WHERE {table}.{quote(meta.pk.column)} = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_new(
    model: type[models.Model],
    field_names: Sequence[str],
    rows: Iterable[tuple],
    *,
    unique: Sequence[str],
    returning: Sequence[str],
) -> list[tuple]:
    """Insert the rows (values in `field_names` order) that break no `unique` constraint;
    `returning` columns of those this statement inserted, not of those already there."""
    rows = list(rows)
    if not rows:
        return []
    meta = model._meta
    fields = [_column(meta, name) for name in field_names]
    quote = connection.ops.quote_name
    params = []
    for values in rows:
        params += [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([placeholders] * len(rows))} "
        f"ON CONFLICT ({', '.join(quote(_column(meta, n).column) for n in unique)}) DO NOTHING "
        f"RETURNING {', '.join(quote(_column(meta, n).column) for n in returning)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
