# Two commands on a fresh machine with only Python 3:
#   make run   - install, migrate, demo login + data, serve on http://127.0.0.1:8000/
#   make test  - lint, migrations check and the whole test suite
# Both use $DATABASE_URL when set (SQLite in ./outreach.sqlite3 otherwise).
# make bench  - list, detail, batch and enrichment scenarios against baselines, on SQLite and (when
#               DATABASE_URL is PostgreSQL) PostgreSQL, in bench databases of their own; tables
#               and JSON under bench-results/. Size and repeats: BENCH_ARGS="--outreaches 1000000".
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The background worker `make run` starts beside the web server and restarts if it stops
# (empty: none); it waits out database outages itself.
WORKER ?= $(BIN)/python manage.py worker

.PHONY: run test lint format install clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap_demo --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py enrich --stale
	WORKER="$(WORKER)" scripts/serve.sh $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# pytest exits 5 when it collected no tests: say so, but that is not a failure of the code.
test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS) || { status=$$?; \
		if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 0; fi; \
		exit $$status; }

bench: $(STAMP)
	$(BIN)/python manage.py bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
