from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "helpline.search"
    label = "search"

    def ready(self):
        from helpline.search import privacy

        post_migrate.connect(_repair_index, sender=self)
        privacy.connect()


def _repair_index(using="default", **kwargs):
    # A later migration that rebuilds a SQLite table drops the triggers that keep FTS5 in sync.
    from django.db import connections

    from helpline.search import backends

    connection = connections[using]
    backends.get(connection).ensure(connection)
