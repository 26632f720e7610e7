# leadform: `make run` serves the form on SQLite, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
E2E_STAMP := $(VENV)/.installed-e2e
# axe-core for the accessibility checks, from npm into a git-ignored folder.
AXE_VERSION := 4.14.1
AXE_DIR := e2e/.axe
AXE_STAMP := $(AXE_DIR)/.axe-core-$(AXE_VERSION)
PYBABEL := $(BIN)/pybabel

.PHONY: run watch test test-clock test-postgres test-load test-e2e screenshots lint format messages new-language check-messages clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

$(E2E_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,e2e]'
	touch $(STAMP) $(TEST_STAMP) $@

$(AXE_STAMP):
	rm -rf $(AXE_DIR)
	npm install --prefix $(AXE_DIR) --no-save --no-package-lock --no-audit --no-fund \
		--loglevel=error axe-core@$(AXE_VERSION)
	touch $@

run: $(STAMP)
	$(BIN)/leadform serve

# Serve, restarting when code, templates or catalogs change (for translators, designers).
watch: $(STAMP)
	$(BIN)/leadform serve --reload

test: $(TEST_STAMP) lint
	$(BIN)/pytest

# The suite with the system clock a year ahead at 23:59 in Hong Kong (libfaketime, for
# this process and every server it starts), so the clinic's midnight passes mid-run: a
# test that posts a literal date or assumes the day stands still fails here, not on the
# day it goes off. CLOCK_DAYS=0 CLOCK_AT=23:59:30 moves only the time of day; PYTEST_ARGS
# chooses tests (`-m load`, `e2e`). .ci/run runs it.
CLOCK_DAYS ?= 365
CLOCK_AT ?= 23:59:00
PYTEST_ARGS ?=
test-clock: $(TEST_STAMP)
	@command -v faketime >/dev/null || { apt-get update && apt-get install -y faketime; }
	faketime -f "$$($(BIN)/python -m tests.clock_shift --days $(CLOCK_DAYS) --at $(CLOCK_AT))" \
		$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

# The whole suite with every app on PostgreSQL (LEADFORM_TEST_POSTGRES, default
# postgresql://root@127.0.0.1:5432/postgres), not only the modules that run on both
# engines in `make test`; tests of the SQLite file itself stay on SQLite.
test-postgres: $(TEST_STAMP)
	LEADFORM_TEST_ENGINE=postgresql $(BIN)/pytest $(PYTEST_ARGS)

# The long load tests (soak, thorough fuzz): a minute or two; .ci/run runs them too.
test-load: $(TEST_STAMP)
	$(BIN)/pytest -m load

# Browser tests: Playwright driving Debian's Chromium (apt-get install chromium
# fonts-noto-cjk; never `playwright install`). Screenshots land in test-artifacts/e2e.
test-e2e: $(E2E_STAMP) $(AXE_STAMP)
	$(BIN)/mypy --strict e2e
	$(BIN)/pytest e2e

# Refresh the README's screenshots (docs/screenshots) from the browser suite.
screenshots: $(E2E_STAMP)
	LEADFORM_E2E_README_SCREENSHOTS=docs/screenshots $(BIN)/pytest e2e/test_screenshots.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The Flask peer lives in its own venv, so its dependencies never meet leadform's.
PEER_VENV := var/bench/peer-venv
PEER_STAMP := $(PEER_VENV)/.installed

$(PEER_STAMP): bench/peers/requirements.txt
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install --quiet -r bench/peers/requirements.txt
	touch $@

# Benchmarks (about 4 minutes): rewrites the results section of docs/benchmarks.md.
bench: $(STAMP) $(PEER_STAMP)
	@command -v wrk >/dev/null || { apt-get update && apt-get install -y wrk; }
	rm -rf var/bench/peer/translations && mkdir -p var/bench/peer/translations
	cp -r locales/*/ var/bench/peer/translations/
	$(PEER_VENV)/bin/pybabel compile -d var/bench/peer/translations -D messages
	$(BIN)/python -m bench.run

# PostgreSQL against SQLite, one instance against two, the export against psql (about
# 3 minutes; needs the PostgreSQL server of LEADFORM_TEST_POSTGRES). Figures are quoted
# in docs/benchmarks.md.
bench-postgres: $(STAMP)
	@command -v wrk >/dev/null || { apt-get update && apt-get install -y wrk; }
	$(BIN)/python -m bench.postgres_bench --seconds 8 --rounds 2 --leads 1000000

# Extract every string into the template (with the options defined once in
# leadform/commands/i18n.py, which the freshness test also uses), then merge it into
# each catalog, keeping the previous msgid of changed strings for fuzzy matching.
messages: $(STAMP)
	$(BIN)/leadform i18n extract --output locales/messages.pot
	$(PYBABEL) update -i locales/messages.pot -d locales -D messages --previous --width=76 --ignore-pot-creation-date

# The catalog problems `make test` also fails on (pytest runs the same check).
check-messages: $(STAMP)
	$(BIN)/leadform i18n check --stats

# make new-language LANG=ja (a Babel locale id or BCP 47 tag: vi, zh_Hans_SG, zh-Hans-SG).
# LANG must come from the command line: the environment's LANG (en_US.UTF-8) is not one.
# An existing catalog is a translator's work: it is replaced only with FORCE=1.
NEW_CATALOG = locales/$(subst -,_,$(LANG))/LC_MESSAGES/messages.po
new-language: $(STAMP)
	@test "$(origin LANG)" = "command line" || (echo "usage: make new-language LANG=xx" >&2; exit 2)
	@test ! -e $(NEW_CATALOG) -o "$(FORCE)" = 1 || (echo "$(NEW_CATALOG) exists: its translations would be lost; FORCE=1 replaces it" >&2; exit 1)
	$(PYBABEL) init -i locales/messages.pot -d locales -D messages -l $(subst -,_,$(LANG)) --width=76

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(AXE_DIR) test-artifacts
