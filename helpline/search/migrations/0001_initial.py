"""Full-text indexes: GIN expression indexes on PostgreSQL, FTS5 tables and triggers on SQLite.

Non-atomic so that PostgreSQL builds the indexes CONCURRENTLY (no write lock on a
live desk). Both backends index the rows already there (backfill).
"""

from django.db import migrations


def install(apps, schema_editor):
    from helpline.search import backends

    backends.get(schema_editor.connection).install(schema_editor)


def uninstall(apps, schema_editor):
    from helpline.search import backends

    backends.get(schema_editor.connection).uninstall(schema_editor)


class Migration(migrations.Migration):
    atomic = False
    initial = True

    dependencies = [
        ("conversations", "0002_initial"),
        ("customers", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
