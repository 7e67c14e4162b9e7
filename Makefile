# The whole set-up on a fresh machine: `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint check-migrations requirements i18n-extract i18n-update i18n-compile clean bench bench-search

# requirements-dev.txt holds every package, the application's included, pip itself too, each pinned
# with its hashes: pip refuses a download that does not match, and upgrades itself to its pin here.
$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(STAMP)

# Pin what requirements*.in name, with hashes (pip-tools, itself pinned in requirements-dev.txt).
# Existing pins stay as they are; UPGRADE="--upgrade-package NAME" moves one (README, Dependencies).
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make requirements" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(UPGRADE)
requirements: $(STAMP)
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

i18n-compile: $(COMPILED)

run: $(STAMP) $(COMPILED)
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Kakehashi on http://127.0.0.1:5000 (mail is written to instance/mail/)"
	$(FLASK) jobs run --loop & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(STAMP) $(COMPILED)
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# Style, then the layers (pyproject.toml [tool.importlinter]; docs/architecture.md).
lint: $(STAMP)
	$(BIN)/ruff check app bench tests config.py wsgi.py
	$(BIN)/lint-imports --no-cache

# The models and the migrations agree: upgrade an empty database, then ask Alembic for a diff.
check-migrations: $(STAMP)
	rm -f /tmp/kakehashi-migration-check.sqlite3
	DATABASE_URL=sqlite:////tmp/kakehashi-migration-check.sqlite3 $(FLASK) db upgrade
	DATABASE_URL=sqlite:////tmp/kakehashi-migration-check.sqlite3 $(FLASK) db check

# The pages under load (docs/performance.md, "How to measure the pages"): bench/load.py builds or
# reuses the 1k and 100k databases (SQLite under instance/bench/; with BENCH_DATABASE_URL=…/NAME,
# the PostgreSQL databases NAME_1k and NAME_100k), starts gunicorn on each, signs in through the
# form and drives every page with wrk (installed here from Debian's package if missing).
# Options from the environment: BENCH_DATABASE_URL, BENCH_SIZES, BENCH_SECONDS, BENCH_WARMUP, BENCH_REPEAT.
BENCH_DIR := instance/bench
bench: $(STAMP) $(COMPILED)
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk (Debian package)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get install -y wrk || { $$SUDO apt-get update && $$SUDO apt-get install -y wrk; }; }
	$(BIN)/python bench/load.py

# Search at scale (docs/performance.md): a fresh SQLite database instance/bench/kakehashi-bench.sqlite3,
# or the empty PostgreSQL database named by BENCH_DATABASE_URL; 10,000 challenges, then the timings.
BENCH_SEARCH_URL = $(or $(BENCH_DATABASE_URL),sqlite:///$(abspath $(BENCH_DIR))/kakehashi-bench.sqlite3)
bench-search: $(STAMP)
	@if [ -z "$(BENCH_DATABASE_URL)" ]; then rm -f $(BENCH_DIR)/kakehashi-bench.sqlite3 && mkdir -p $(BENCH_DIR); fi
	DATABASE_URL='$(BENCH_SEARCH_URL)' $(FLASK) db upgrade
	DATABASE_URL='$(BENCH_SEARCH_URL)' $(FLASK) bench-data --challenges 10000 --proposals 20000 --seed 1 --if-empty
	DATABASE_URL='$(BENCH_SEARCH_URL)' $(BIN)/python bench/search_benchmark.py

i18n-extract: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-by-file -F babel.cfg -k _l -k lazy_gettext -k pgettext:1c,2 -k lazy_pgettext:1c,2 -o app/translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update --no-fuzzy-matching -i app/translations/messages.pot -d app/translations

clean:
	rm -rf $(VENV) instance/kakehashi.sqlite3 $(COMPILED)
