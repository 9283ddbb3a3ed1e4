# Charter: `make run` installs and serves; `make test` installs and runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
DATA_DIR ?= var
SIZES ?= 10k

.PHONY: run install install-dev test lint check browser-deps bench migration clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.3"

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(DEV_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

## First command: install and serve the site on SQLite with the shipped policy.
run: $(STAMP)
	$(BIN)/charter --data-dir $(DATA_DIR) serve

## Debian's Chromium for the browser tests (never Playwright's own download), and the
## PostgreSQL client tools that `charter backup` uses (pg_dump, pg_restore).
browser-deps:
	@missing=; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	  command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	  if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages for the tests:$$missing"; \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	  fi

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## Second command: install everything and run every test (SQLite and PostgreSQL).
test: $(DEV_STAMP) browser-deps lint
	$(BIN)/pytest -n 2 --dist loadgroup

bench: $(DEV_STAMP)
	$(BIN)/python bench/run.py --sizes $(SIZES)

## Regenerate the initial migration from the models (pre-release only).
migration: $(DEV_STAMP)
	flock /tmp/charter-migration.lock sh -c '\
	  set -e; tmp=$$(mktemp -d); \
	  rm -f src/charter/migrations/versions/0001_*.py; \
	  mv src/charter/migrations/versions/0002_*.py "$$tmp/"; \
	  CHARTER_DATABASE_URL=sqlite:///$$tmp/schema.db $(BIN)/alembic revision --autogenerate -m "initial schema" --rev-id 0001 || status=$$?; \
	  mv "$$tmp"/0002_*.py src/charter/migrations/versions/; rm -rf "$$tmp"; \
	  $(BIN)/ruff check --fix -q src/charter/migrations/versions || true; \
	  $(BIN)/ruff format -q src/charter/migrations/versions; exit $${status:-0}'

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
