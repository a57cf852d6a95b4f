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

# The suite on the embedded default (SQLite); with DATABASE_URL set, on that database.
test-sqlite: install
	HELPLINE_DATA_DIR=$$(mktemp -d) $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	HELPLINE_DATA_DIR=$$(mktemp -d) \
	DATABASE_URL=$${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/helpline} \
	CELERY_TEST_BROKER_URL=$${CELERY_TEST_BROKER_URL:-redis://127.0.0.1:6379/15} \
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint test-sqlite test-postgres

demo: install
	$(BIN)/helpline start --demo
