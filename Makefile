# Relais: `make demo` to try it, `make test` to run every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test lint format messages check-deploy clean bench-weight bench-throughput bench-occurrences bench-cases bench-stats bench-rush bench-api-rush bench-audit bench-feedback bench-search bench-staff-lists

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

.env:
	sed -e 's/^DEBUG=0/DEBUG=1/' -e 's/^ALLOWED_HOSTS=.*/ALLOWED_HOSTS=127.0.0.1,localhost/' \
	    -e 's|^CSRF_TRUSTED_ORIGINS=.*|CSRF_TRUSTED_ORIGINS=|' -e 's|^SITE_URL=.*|SITE_URL=http://127.0.0.1:8000|' \
	    -e 's/^BEHIND_PROXY=1/BEHIND_PROXY=0/' -e 's/^SMS_BACKEND=.*/SMS_BACKEND=relais.notifications.sms.ConsoleBackend/' \
	    -e "s/^SECRET_KEY=.*/SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')/" \
	    .env.example > .env

demo: $(VENV)/.installed .env
	$(BIN)/relais migrate --noinput
	$(BIN)/relais demo_load
	@echo ""
	@echo "Relais demo: http://$(HOST):$(PORT)/   (staff: admin@valbrenne.fr / relais-demo;"
	@echo "second-factor code: $(BIN)/relais demo_totp; e-mails and SMS are printed here)"
	@echo "Demo API key (demo only, published): rls_demo00000000_cle-de-demonstration-publique-ne-pas-utiliser"
	@# The background worker sends the outbox (e-mails, SMS); both stop with Ctrl-C.
	trap 'kill 0' INT TERM EXIT; $(BIN)/relais db_worker --interval 2 & $(BIN)/relais runserver $(HOST):$(PORT)

# The suite runs with its own settings (tests/settings.py), never the demo's .env.
TEST_ENV := DJANGO_SETTINGS_MODULE=tests.settings

test: $(VENV)/.installed
	$(TEST_ENV) $(BIN)/ruff check relais tests bench
	$(BIN)/lint-imports
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check relais tests bench
	$(BIN)/ruff format --check relais tests bench

format: $(VENV)/.installed
	$(BIN)/ruff format relais tests bench
	$(BIN)/ruff check --fix relais tests bench

# Extract French source strings and compile every catalogue (needs GNU gettext).
# Development settings (DEBUG on, no .env needed): only the apps are loaded.
messages: $(VENV)/.installed
	RELAIS_DOTENV= DEBUG=1 $(BIN)/relais makemessages -l en -l ar --ignore=.venv --ignore=staticfiles
	RELAIS_DOTENV= DEBUG=1 $(BIN)/relais compilemessages --ignore=.venv

check-deploy: $(VENV)/.installed
	RELAIS_DOTENV= DEBUG=0 SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=relais.example.fr $(BIN)/relais check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Benchmarks (results appended to BENCHMARKS.md with the machine and date).
bench-weight: $(VENV)/.installed
	$(BIN)/python bench/page_weight.py

bench-throughput: $(VENV)/.installed
	$(BIN)/python bench/throughput.py

# Drop-in recurrence rules expanded cold and kept (in process, demo town).
bench-occurrences: $(VENV)/.installed
	$(BIN)/python bench/occurrences.py

bench-cases: $(VENV)/.installed
	$(BIN)/python bench/cases.py

# Statistics pages on 1,000,000 accompaniment records (PostgreSQL at 127.0.0.1:5432) and a tenth on SQLite.
bench-stats: $(VENV)/.installed
	$(BIN)/python bench/stats.py --postgres

# "Démarches à simplifier": 200 forms, two years of daily funnel counts, 1,000,000 requests (PostgreSQL; a tenth on SQLite).
bench-feedback: $(VENV)/.installed
	$(BIN)/python bench/feedback.py --postgres

bench-rush: $(VENV)/.installed
	$(BIN)/python bench/rush.py --postgres

# The same rush through the partner API (POST /api/v1/registrations with an application key), SQLite and PostgreSQL.
bench-api-rush: $(VENV)/.installed
	$(BIN)/python bench/api_rush.py --postgres

bench-audit: $(VENV)/.installed
	$(BIN)/python bench/audit_chain.py --postgres

# Resident search in process: everyday queries, typos and 200-character queries (demo town, then 300 more fiches).
bench-search: $(VENV)/.installed
	$(BIN)/python bench/search.py

# Every staff list page with 100,000 rows behind it, in process (SQLite and PostgreSQL at 127.0.0.1:5432).
bench-staff-lists: $(VENV)/.installed
	$(BIN)/python bench/staff_lists.py --postgres
