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

.PHONY: run watch test test-e2e screenshots lint format messages new-language check-messages clean

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
new-language: $(STAMP)
	@test "$(origin LANG)" = "command line" || (echo "usage: make new-language LANG=xx" >&2; exit 2)
	$(PYBABEL) init -i locales/messages.pot -d locales -D messages -l $(subst -,_,$(LANG)) --width=76

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(AXE_DIR) test-artifacts
