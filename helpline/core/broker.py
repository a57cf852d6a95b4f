"""The embedded broker's SQLite file, written like the database: in WAL mode.

The embedded queue carries only wake-ups: the database's own rows (event deliveries,
the outbox, webhook deliveries) say what is still due, and beat's sweeps deliver what a
lost wake-up missed. So a wake-up's commit need not wait for the disk: in WAL mode with
`synchronous=NORMAL` only checkpoints are synced, a crash of a process loses nothing and
a power cut at worst the last wake-ups. In the default rollback journal every put was
synced, and a busy chat server spent a fifth of its database thread waiting for that
(bench/README.md, chat).

kombu's SQLAlchemy transport hands `connect_args` to `sqlite3.connect`, whose `factory`
makes each connection: the pragmas run once per connection, not per put.
"""

import sqlite3


class BrokerConnection(sqlite3.Connection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA journal_mode=WAL")
        self.execute("PRAGMA synchronous=NORMAL")


def transport_options(broker_url: str) -> dict:
    """Celery's `broker_transport_options` for this broker: WAL for an embedded SQLite file."""
    if broker_url.startswith("sqla+sqlite:"):
        return {"connect_args": {"factory": BrokerConnection}}
    return {}
