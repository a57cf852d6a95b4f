"""Django's PostgreSQL backend, told the parameter limit that server-side binding brings.

With server-side binding (settings: `HELPLINE_POSTGRES_PREPARED`), psycopg sends the
parameters apart from the query and prepares a statement it has run a few times on the
connection, so PostgreSQL parses and plans the desk's queries once per connection instead
of on every page. A bound statement carries at most 65,535 parameters; Django 5.2 knows
no limit on PostgreSQL, so `in_bulk` and `bulk_update` of more rows would fail. Told the
limit, they split their work into statements below it, as they do on SQLite.
"""

from django.db.backends.postgresql import base, features, operations

MAX_BOUND_PARAMETERS = 2**16 - 1


class DatabaseFeatures(features.DatabaseFeatures):
    def __init__(self, connection):
        super().__init__(connection)
        if connection.settings_dict["OPTIONS"].get("server_side_binding") is True:
            self.max_query_params = MAX_BOUND_PARAMETERS


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        limit = self.connection.features.max_query_params
        if limit is None:
            return super().bulk_batch_size(fields, objs)
        # bulk_update binds a primary key and a value for each field of each row.
        return max(1, limit // (2 * max(len(fields), 1) + 1))


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
