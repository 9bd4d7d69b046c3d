# Two commands on a fresh machine with only Python 3:
#   make run   - install, migrate, demo login + data, serve on http://127.0.0.1:8000/ as a small
#                production install does: DEBUG off, gunicorn, static files through whitenoise,
#                a secret key made once in ./.secret_key, plain http on loopback
#   make test  - lint, migrations check and the whole test suite
# Both use $DATABASE_URL when set (SQLite in ./outreach.sqlite3 otherwise).
# make dev    - the same data and login, served by Django's dev server with DEBUG and the
#               autoreloader (for changing the code).
# make bench  - list, detail, batch, enrichment, cursor, webhooks, sending, replies and load
#               scenarios against baselines, on SQLite and (when
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

.PHONY: run dev serve test lint format install clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The secret key and the key of stored secrets, made once in ./.secret_key and ./.secrets_key
# (mode 600, git-ignored): the same for run and dev, so sessions and stored passwords carry over.
run dev serve: export SECRET_KEY_FILE = .secret_key
run dev serve: export SECRETS_KEY_FILE = .secrets_key

# make run: production settings on loopback. No TLS in front, so no https redirect and no
# secure-only cookies; everything else as `manage.py check --deploy` wants it.
run: export DEBUG = 0
run: export SECURE_SSL_REDIRECT = 0
run: export SECURE_COOKIES = 0
run: $(STAMP)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(MAKE) --no-print-directory serve

dev: export DEBUG = 1
dev: $(STAMP) serve

# Both: migrate, the demo login (its password made once in ./.demo_password) and data, serve.
serve:
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap_demo --url http://$(HOST):$(PORT)/ --password-file .demo_password
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
