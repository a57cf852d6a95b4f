# One command for every check, the same in CI as on a laptop.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install test test-sqlite test-postgres lint demo bench

$(BIN)/python:
	$(PY) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e ".[test]"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite on the embedded default (SQLite); with DATABASE_URL set, on that database.
# Tests get a fresh data folder and Redis as the broker (database 15 of the local server).
TEST_ENV = HELPLINE_DATA_DIR=$$(mktemp -d) \
	CELERY_BROKER_URL=$${TEST_BROKER_URL:-redis://127.0.0.1:6379/15}

SQLITE_SUITE = $(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)
POSTGRES_SUITE = $(TEST_ENV) DATABASE_URL=$${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/helpline} \
	$(BIN)/pytest $(PYTEST_ARGS)

test-sqlite: install
	$(SQLITE_SUITE)

test-postgres: install
	$(POSTGRES_SUITE)

# Both halves at once: much of the suite waits on servers, browsers and workers, so two run
# in little more than the time of one. They share nothing (each has its own data folder and
# database; the SQLite half takes Redis database 14). The PostgreSQL half's output follows
# the SQLite half's, and either one failing fails the run.
test: lint
	@postgres_log=$$(mktemp); \
	( $(POSTGRES_SUITE) ) >"$$postgres_log" 2>&1 & postgres=$$!; \
	( TEST_BROKER_URL=$${TEST_SQLITE_BROKER_URL:-redis://127.0.0.1:6379/14}; $(SQLITE_SUITE) ); sqlite_rc=$$?; \
	wait $$postgres; postgres_rc=$$?; \
	echo "=== The suite on PostgreSQL ==="; cat "$$postgres_log"; rm -f "$$postgres_log"; \
	echo "SQLite: exit $$sqlite_rc; PostgreSQL: exit $$postgres_rc"; \
	test $$sqlite_rc -eq 0 && test $$postgres_rc -eq 0

demo: install
	$(BIN)/helpline start --demo
