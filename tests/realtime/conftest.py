import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def connections_closed_after_each_use():
    """The sockets' database work runs in a pool of threads that outlive the test; each
    thread's connection closes after each use here, so none holds the test database open
    when it is torn down (PostgreSQL refuses to drop a database in use)."""
    kept = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 0
    yield
    connection.settings_dict["CONN_MAX_AGE"] = kept
