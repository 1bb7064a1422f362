# Corridor: `make run` serves the demo, `make test` runs every check.
# Targets are safe to repeat: installs are skipped while requirements are unchanged.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# Corridor targets Python 3.11 (requires-python in pyproject.toml): prefer it by name.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
ADDR ?= 127.0.0.1:8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/corridor
PYTEST_ARGS ?= -q
# Debian packages the browser tests and PDFs need: Chromium, a CJK font, Noto (DejaVu lacks Urdu
# letters such as ہ), and Pango, which WeasyPrint lays text out with.
DEBIAN_TEST_PACKAGES := chromium fonts-wqy-microhei fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0

# pip prints harmless "WARNING: Location '…' is ignored" lines for find-links
# folders that do not exist on this machine; keep them out of the logs.
PIP := $(BIN)/python -m pip --disable-pip-version-check
PIP_FILTER := { grep -v "^WARNING: Location '.*' is ignored" || true; }

RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP := $(VENV)/.installed-test

.PHONY: help venv install install-test system-deps run worker test lint format bench pgvector clean

help:
	@echo "make run           install, migrate, load the demo, serve http://$(ADDR)"
	@echo "make test          ruff, then pytest on SQLite, then on PostgreSQL when reachable"
	@echo "make lint|format   ruff check / ruff format"
	@echo "make bench         run every benchmark in bench/"
	@echo "make worker        a Celery worker (needs CELERY_BROKER_URL)"
	@echo "make pgvector      start PostgreSQL 15 and install the pgvector extension"
	@echo "make clean         remove the virtualenv and caches (var/ and its data stay)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Corridor needs Python 3.11, found " + sys.version.split()[0]'
	@# Debian splits venv/ensurepip into python3-venv.
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || bash scripts/apt-install.sh python3-venv
	$(PYTHON) -m venv $(VENV)

venv: $(BIN)/python

$(RUNTIME_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(PIP) install -q -r requirements.txt 2>&1 | $(PIP_FILTER)
	@# setuptools always warns about editable installs: show its output only on failure.
	@echo "$(PIP) install -q -e . --no-deps"; \
	out="$$($(PIP) install -q -e . --no-deps 2>&1)" || { echo "$$out" | $(PIP_FILTER); exit 1; }
	@touch $@

$(TEST_STAMP): requirements-test.txt $(RUNTIME_STAMP)
	$(PIP) install -q -r requirements-test.txt 2>&1 | $(PIP_FILTER)
	@touch $@

install: $(RUNTIME_STAMP)

install-test: $(TEST_STAMP)

system-deps:
	@bash scripts/apt-install.sh $(DEBIAN_TEST_PACKAGES)

run: install
	$(BIN)/corridor migrate --noinput
	$(BIN)/corridor demo
	@echo "Corridor at http://$(ADDR)/ (Ctrl-C stops it)"
	$(BIN)/corridor runserver $(ADDR)

worker: install
	$(BIN)/celery -A corridor worker --loglevel=INFO

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# SQLite always; PostgreSQL when reachable. In CI (CI=true) or with
# REQUIRE_POSTGRES=1 an unreachable PostgreSQL fails the run instead of skipping.
test: install-test system-deps lint
	@env -u DATABASE_URL bash scripts/pytest-pass.sh "SQLite (pass 1 of 2)" $(PYTEST_ARGS)
	@if bash scripts/pg-reachable.sh "$(TEST_DATABASE_URL)" $(BIN)/python; then \
		DATABASE_URL="$(TEST_DATABASE_URL)" bash scripts/pytest-pass.sh \
			"PostgreSQL $(TEST_DATABASE_URL) (pass 2 of 2)" $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = true ] || [ "$${REQUIRE_POSTGRES:-}" = 1 ]; then \
		echo "==== pytest on PostgreSQL (pass 2 of 2): FAILED, $(TEST_DATABASE_URL) is not reachable and CI requires this pass ====" >&2; \
		exit 1; \
	else \
		echo "==== pytest on PostgreSQL (pass 2 of 2): SKIPPED, $(TEST_DATABASE_URL) is not reachable ===="; \
	fi

bench: install
	@shopt -s nullglob; scripts=(bench/*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "no benchmarks in bench/"; exit 0; fi; \
	for script in "$${scripts[@]}"; do \
		echo "==== $$script ===="; \
		$(BIN)/python "$$script"; \
	done

pgvector:
	bash scripts/ensure-postgres.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
