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

test-sqlite: install
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	$(TEST_ENV) DATABASE_URL=$${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/helpline} \
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint test-sqlite test-postgres

demo: install
	$(BIN)/helpline start --demo
