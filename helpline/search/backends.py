"""Every line of vendor-specific full-text SQL: PostgreSQL and SQLite FTS5.

Three documents are searchable: a message's `text` (the new part, without
quoted history), a conversation's `subject` and a customer's `name`.

PostgreSQL: expression GIN indexes over `to_tsvector('helpline_search', …)`.
The database keeps them in sync on every write (bulk_create and bulk_update
included). `helpline_search` is a copy of the 'simple' configuration (no
stemming, no stop words: the data is multilingual), with the `unaccent`
dictionary in front when that extension can be created, so "Muller" finds
"Müller". Message text is indexed up to MAX_CHARS characters, which keeps
every tsvector far below PostgreSQL's 1 MB limit (a longer one would make
the INSERT fail).

SQLite: FTS5 external-content tables (the text is not stored twice), kept in
sync by AFTER INSERT / UPDATE OF / DELETE triggers; tokenizer unicode61 with
diacritics removed, the same folding as unaccent. Django rebuilds a SQLite
table (and so drops its triggers) when a migration alters it: `ensure()`,
run after every `migrate`, puts missing triggers back and rebuilds the index.

Matches are returned with sentinel characters (START, STOP) around the
matched words; the caller escapes the text and turns them into <mark>.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

CONFIG = "helpline_search"
# PostgreSQL looks for the most recent matches in these windows first (None: everything).
MESSAGE_WINDOWS = (timedelta(days=30), timedelta(days=180), None)
SUBJECT_WINDOWS = (timedelta(days=180), None)
# The most extra queries that widening costs one search.
MAX_WIDENINGS = max(len(MESSAGE_WINDOWS), len(SUBJECT_WINDOWS)) - 1


def widenings(connection) -> int:
    return MAX_WIDENINGS if connection.vendor == "postgresql" else 0


MAX_CHARS = 100_000
START, STOP = "\ue000", "\ue001"  # private-use characters, never markup


@dataclass
class Terms:
    """A parsed user query: phrases (one word or several) ANDed, and an optional prefix word."""

    phrases: list[str] = field(default_factory=list)
    prefix: str = ""

    def __bool__(self) -> bool:
        return bool(self.phrases or self.prefix)


def get(connection):
    return _BACKENDS[connection.vendor]


# PostgreSQL ------------------------------------------------------------------

_PG_DOCS = {
    # index name: (table, indexed expression)
    "search_message_text": ("conversations_message", f"left(text, {MAX_CHARS})"),
    "search_conversation_subject": ("conversations_conversation", "subject"),
    "search_customer_name": ("customers_customer", "name"),
}


def _pg_vector(alias: str, column: str) -> str:
    # Must stay character for character what the index was built on.
    if column == "text":
        return f"to_tsvector('{CONFIG}'::regconfig, left({alias}.text, {MAX_CHARS}))"
    return f"to_tsvector('{CONFIG}'::regconfig, {alias}.{column})"


class Postgres:
    @staticmethod
    def install(schema_editor) -> None:
        """Run outside a transaction (the migration is non-atomic): indexes build concurrently."""
        execute = schema_editor.execute
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [CONFIG])
            exists = cursor.fetchone() is not None
        if not exists:
            execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = simple)")
            if Postgres._unaccent_available(schema_editor):
                execute(
                    f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} "
                    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
                )
        for index, (table, expression) in _PG_DOCS.items():
            execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {table} "
                f"USING gin (to_tsvector('{CONFIG}'::regconfig, {expression}))"
            )

    @staticmethod
    def _unaccent_available(schema_editor) -> bool:
        try:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        except Exception:  # not installed, or no privilege: plain 'simple' it is
            return False
        return True

    @staticmethod
    def uninstall(schema_editor) -> None:
        for index in _PG_DOCS:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index}")
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")

    @staticmethod
    def folds_accents(cursor) -> bool:
        """Whether unaccent is in the configuration (it is optional)."""
        vector = f"to_tsvector('{CONFIG}'::regconfig, %s)"
        cursor.execute(f"SELECT {vector} = {vector}", ["é", "e"])
        return cursor.fetchone()[0]

    @staticmethod
    def ensure(connection) -> None:
        """Nothing to repair: PostgreSQL keeps expression indexes through ALTER TABLE."""

    @staticmethod
    def forget(connection) -> None:
        """Nothing to do: an expression index holds no words of a row that no longer has
        them (the old row version goes with VACUUM, as every updated row's does)."""

    @staticmethod
    def _tsquery(terms: Terms) -> tuple[str, list]:
        parts, params = [], []
        if terms.phrases:
            # Each phrase quoted: websearch_to_tsquery then reads no operators (or, -) in it.
            parts.append(f"websearch_to_tsquery('{CONFIG}'::regconfig, %s)")
            params.append(" ".join(f'"{phrase}"' for phrase in terms.phrases))
        if terms.prefix:
            parts.append(f"to_tsquery('{CONFIG}'::regconfig, %s)")
            params.append(f"'{terms.prefix}':*")  # the parser removed quotes and backslashes
        return "(" + " && ".join(parts) + ")", params

    @staticmethod
    def conversation_matches(cursor, terms, visible, *, candidates, after, limit):
        """[(conversation id, best message id or None, rank)], best first.

        Ranks only the `candidates` most recent matching messages and subjects:
        the GIN index finds every match cheaply, but ts_rank re-parses each text.
        The MATERIALIZED CTEs keep the planner on the GIN index: left alone, it
        walks the created_at index backwards and parses every message until it
        has enough matches, which is ruinous for rare words.

        Even so, finding the most recent of 50,000 matches of a common word
        means reading every one of their rows for its date. So matches are
        looked for in a recent window first (30 days of messages, 180 of
        subjects), widened only while a window holds fewer than `candidates`:
        a window that holds them already holds the most recent ones, so the
        answer is the same as searching everything.
        """
        message_windows = list(MESSAGE_WINDOWS)
        subject_windows = list(SUBJECT_WINDOWS)
        while True:
            rows, messages_enough, subjects_enough = Postgres._matches_since(
                cursor,
                terms,
                visible,
                candidates=candidates,
                after=after,
                limit=limit,
                messages_since=_since(message_windows[0]),
                subjects_since=_since(subject_windows[0]),
            )
            widen_messages = message_windows[0] is not None and not messages_enough
            widen_subjects = subject_windows[0] is not None and not subjects_enough
            if not (widen_messages or widen_subjects):
                return rows
            if widen_messages:
                message_windows.pop(0)
            if widen_subjects:
                subject_windows.pop(0)

    @staticmethod
    def _matches_since(
        cursor, terms, visible, *, candidates, after, limit, messages_since, subjects_since
    ):
        """The ranked matches within the windows, and whether each window held enough."""
        query, qparams = Postgres._tsquery(terms)
        in_visible, vparams = _restrict("m.conversation_id", visible)
        c_visible, cparams = _restrict("c.id", visible)
        m_since, m_params = _not_before("m.created_at", messages_since)
        c_since, c_params = _not_before("c.last_message_at", subjects_since)
        cursor_sql, cursor_params = _after("rank", "conversation_id", after)
        sql = f"""
            WITH matched AS MATERIALIZED (
                SELECT m.id, m.created_at FROM conversations_message m
                WHERE {_pg_vector("m", "text")} @@ {query} {m_since} {in_visible}
            ), subjects AS MATERIALIZED (
                SELECT c.id, c.last_message_at, c.subject FROM conversations_conversation c
                WHERE {_pg_vector("c", "subject")} @@ {query} {c_since} {c_visible}
            ), ranked AS (
                SELECT m.conversation_id, m.id AS message_id,
                       ts_rank({_pg_vector("m", "text")}, {query})::float8 AS rank
                FROM (SELECT id FROM matched ORDER BY created_at DESC, id DESC LIMIT %s) r
                JOIN conversations_message m ON m.id = r.id
                UNION ALL
                SELECT s.id, NULL::bigint,
                       2 * ts_rank({_pg_vector("s", "subject")}, {query})::float8
                FROM (
                    SELECT id, subject FROM subjects ORDER BY last_message_at DESC, id DESC LIMIT %s
                ) s
            ), best AS (
                SELECT DISTINCT ON (conversation_id) conversation_id, message_id, rank
                FROM ranked ORDER BY conversation_id, rank DESC
            ), page AS (
                SELECT conversation_id, message_id, rank FROM best
                WHERE TRUE {cursor_sql}
                ORDER BY rank DESC, conversation_id DESC
                LIMIT %s
            )
            SELECT conversation_id, message_id, rank FROM page
            UNION ALL  -- one last row that says whether each window held enough matches
            SELECT NULL, (SELECT count(*) >= %s FROM matched)::int,
                   (SELECT count(*) >= %s FROM subjects)::int
        """
        params = [
            *qparams,
            *m_params,
            *vparams,
            *qparams,
            *c_params,
            *cparams,
            *qparams,
            candidates,
            *qparams,
            candidates,
            *cursor_params,
            limit,
            candidates,
            candidates,
        ]
        cursor.execute(sql, params)
        *rows, (_, messages_enough, subjects_enough) = cursor.fetchall()
        return rows, bool(messages_enough), bool(subjects_enough)

    @staticmethod
    def _headlines(cursor, terms, table, column, ids, options) -> dict[int, str]:
        if not ids:
            return {}
        query, qparams = Postgres._tsquery(terms)
        document = f"left(t.{column}, {MAX_CHARS})" if column == "text" else f"t.{column}"
        cursor.execute(
            f"SELECT t.id, ts_headline('{CONFIG}'::regconfig, {document}, {query}, %s) "
            f"FROM {table} t WHERE t.id = ANY(%s)",
            [*qparams, options, list(ids)],
        )
        return dict(cursor.fetchall())

    @staticmethod
    def message_snippets(cursor, terms, ids):
        options = (
            f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, '
            'MaxFragments=2, FragmentDelimiter=" … "'
        )
        return Postgres._headlines(cursor, terms, "conversations_message", "text", ids, options)

    @staticmethod
    def subject_highlights(cursor, terms, ids):
        options = f'StartSel="{START}", StopSel="{STOP}", HighlightAll=true'
        return Postgres._headlines(
            cursor, terms, "conversations_conversation", "subject", ids, options
        )

    @staticmethod
    def customer_matches(cursor, terms, visible, *, limit):
        """[(customer id, rank, highlighted name)], best first."""
        query, qparams = Postgres._tsquery(terms)
        restrict, vparams = _restrict("c.id", visible)
        options = f'StartSel="{START}", StopSel="{STOP}", HighlightAll=true'
        cursor.execute(
            f"""
            SELECT t.id, t.rank, ts_headline('{CONFIG}'::regconfig, t.name, {query}, %s)
            FROM (
                SELECT c.id, c.name, ts_rank({_pg_vector("c", "name")}, {query})::float8 AS rank
                FROM customers_customer c
                WHERE {_pg_vector("c", "name")} @@ {query} AND c.merged_into_id IS NULL {restrict}
                ORDER BY rank DESC, c.id DESC LIMIT %s
            ) t
            ORDER BY t.rank DESC, t.id DESC
            """,
            [*qparams, options, *qparams, *qparams, *vparams, limit],
        )
        return cursor.fetchall()


# SQLite ------------------------------------------------------------------------

_FTS = {
    # fts table: (content table, column, trigger prefix)
    "search_message_fts": ("conversations_message", "text", "search_message"),
    "search_subject_fts": ("conversations_conversation", "subject", "search_subject"),
    "search_customer_fts": ("customers_customer", "name", "search_customer"),
}


def _sqlite_triggers(fts: str, table: str, column: str, prefix: str) -> dict[str, str]:
    add = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    remove = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    return {
        f"{prefix}_ai": f"AFTER INSERT ON {table} BEGIN {add} END",
        f"{prefix}_ad": f"AFTER DELETE ON {table} BEGIN {remove} END",
        f"{prefix}_au": f"AFTER UPDATE OF {column} ON {table} BEGIN {remove} {add} END",
    }


class Sqlite:
    @staticmethod
    def install(schema_editor) -> None:
        for fts, (table, column, prefix) in _FTS.items():
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, "
                f"content='{table}', content_rowid='id', "
                "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
            )
            for name, body in _sqlite_triggers(fts, table, column, prefix).items():
                schema_editor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
            schema_editor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # backfill

    @staticmethod
    def uninstall(schema_editor) -> None:
        for fts, (table, column, prefix) in _FTS.items():
            for name in _sqlite_triggers(fts, table, column, prefix):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {fts}")

    @staticmethod
    def folds_accents(cursor) -> bool:
        return True  # unicode61 remove_diacritics 2

    @staticmethod
    def ensure(connection) -> None:
        """Put back triggers that a table rebuild dropped, then rebuild that index."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')"
            )
            present = {name for _, name in cursor.fetchall()}
            for fts, (table, column, prefix) in _FTS.items():
                if fts not in present:
                    continue  # the search migration is not applied (yet)
                triggers = _sqlite_triggers(fts, table, column, prefix)
                if set(triggers) <= present:
                    continue
                for name, body in triggers.items():
                    cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")

    @staticmethod
    def forget(connection) -> None:
        """Merge every index's segments, so that words of rows changed or deleted (an erased
        customer's name, their messages) leave the index too: FTS5 otherwise keeps them,
        marked deleted, until a merge happens to reach their segment. It rewrites the whole
        index: seconds on a large desk, for a rare request."""
        with connection.cursor() as cursor:
            for fts in _FTS:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")

    @staticmethod
    def _match(terms: Terms) -> str:
        # The parser left only text without double quotes: each piece is a quoted FTS5 string.
        pieces = [f'"{phrase}"' for phrase in terms.phrases]
        if terms.prefix:
            pieces.append(f'"{terms.prefix}"*')
        return " ".join(pieces)

    @staticmethod
    def conversation_matches(cursor, terms, visible, *, candidates, after, limit):
        match = Sqlite._match(terms)
        in_visible, vparams = _restrict("m.conversation_id", visible)
        c_visible, cparams = _restrict("c.id", visible)
        cursor_sql, cursor_params = _after("best", "conversation_id", after)
        # FTS5 ranks cheaply as it matches (bm25, smaller is better), so SQLite ranks every match.
        cursor.execute(
            f"""
            SELECT conversation_id, message_id, best FROM (
            SELECT conversation_id, message_id, MAX(rank) AS best FROM (
                SELECT m.conversation_id, m.id AS message_id, -bm25(search_message_fts) AS rank
                FROM search_message_fts JOIN conversations_message m
                    ON m.id = search_message_fts.rowid
                WHERE search_message_fts MATCH %s {in_visible}
                UNION ALL
                SELECT c.id, NULL, -2 * bm25(search_subject_fts)
                FROM search_subject_fts JOIN conversations_conversation c
                    ON c.id = search_subject_fts.rowid
                WHERE search_subject_fts MATCH %s {c_visible}
            )
            GROUP BY conversation_id
            )
            WHERE TRUE {cursor_sql}
            ORDER BY best DESC, conversation_id DESC
            LIMIT %s
            """,
            [match, *vparams, match, *cparams, *cursor_params, limit],
        )
        return cursor.fetchall()

    @staticmethod
    def message_snippets(cursor, terms, ids):
        return Sqlite._auxiliary(
            cursor,
            terms,
            "search_message_fts",
            f"snippet(search_message_fts, 0, '{START}', '{STOP}', '…', 24)",
            ids,
        )

    @staticmethod
    def subject_highlights(cursor, terms, ids):
        return Sqlite._auxiliary(
            cursor,
            terms,
            "search_subject_fts",
            f"highlight(search_subject_fts, 0, '{START}', '{STOP}')",
            ids,
        )

    @staticmethod
    def _auxiliary(cursor, terms, fts, function, ids) -> dict[int, str]:
        if not ids:
            return {}
        ids = [int(i) for i in ids]
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"SELECT rowid, {function} FROM {fts} WHERE {fts} MATCH %s "
            f"AND rowid IN ({placeholders})",
            [Sqlite._match(terms), *ids],
        )
        return dict(cursor.fetchall())

    @staticmethod
    def customer_matches(cursor, terms, visible, *, limit):
        restrict, vparams = _restrict("c.id", visible)
        cursor.execute(
            f"""
            SELECT c.id, -bm25(search_customer_fts) AS score,
                   highlight(search_customer_fts, 0, '{START}', '{STOP}')
            FROM search_customer_fts JOIN customers_customer c ON c.id = search_customer_fts.rowid
            WHERE search_customer_fts MATCH %s AND c.merged_into_id IS NULL {restrict}
            ORDER BY score DESC, c.id DESC LIMIT %s
            """,
            [Sqlite._match(terms), *vparams, limit],
        )
        return cursor.fetchall()


# Shared ----------------------------------------------------------------------


def _since(window: timedelta | None) -> datetime | None:
    return None if window is None else datetime.now(UTC) - window


def _not_before(column: str, since: datetime | None) -> tuple[str, list]:
    return ("", []) if since is None else (f"AND {column} >= %s", [since])


def _restrict(column: str, visible) -> tuple[str, list]:
    """`AND column IN (subquery)` for a (sql, params) subquery; nothing when all are visible."""
    if visible is None:
        return "", []
    sql, params = visible
    return f"AND {column} IN ({sql})", list(params)


def _after(rank: str, pk: str, after) -> tuple[str, list]:
    if after is None:
        return "", []
    after_rank, after_pk = after
    return f"AND ({rank} < %s OR ({rank} = %s AND {pk} < %s))", [after_rank, after_rank, after_pk]


_BACKENDS = {"postgresql": Postgres, "sqlite": Sqlite}
