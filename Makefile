# The quick start is `make run` and `make test`; every target sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAGE  ?= dev
JS     := tests/js
WEB    := examples/web

.PHONY: run test schema synth bench lint format clean browser playground js web

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# What `make run` needs: the runtime, the local stack and the client (no CDK, no test tools).
$(VENV)/.local: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[local]"
	@touch $@

# Everything: CDK and the test and lint tools too.
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $@ $(VENV)/.local

# `make run ARGS=--reset`: any `ugc dev` options.
run: $(VENV)/.local schema.graphql playground
	$(BIN)/ugc dev $(ARGS)

test: $(VENV)/.dev browser playground js web
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# Headless Chromium for the dashboard page test (Debian's package; CI runs as root). Elsewhere,
# without root, the browser test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) ; } || \
	  echo "chromium not installed (needs root): the browser test will be skipped"

# GraphiQL's browser files for /graphql: a pinned npm project, installed once (again when its lock file
# changes). Without npm, or offline, the API still runs and the page says what to run.
GRAPHIQL := emulator/static/graphiql
playground: $(GRAPHIQL)/node_modules/.installed

$(GRAPHIQL)/node_modules/.installed: $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: GraphiQL at /graphql needs Node.js 20 and npm (then: make playground); the API works without it"; \
	elif npm ci --prefix $(GRAPHIQL) --ignore-scripts --no-audit --no-fund --loglevel=error; then \
	  touch $@; \
	else echo "npm ci failed in $(GRAPHIQL): GraphiQL at /graphql will say what to run; the API works without it"; fi

# The JavaScript client suite's packages (tests/js), exactly as locked; installed again only when the lock
# or package.json changes. Without Node the suite is skipped and says why.
js:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(JS)/node_modules/.installed; \
	  else echo "npm not found: the JavaScript client suite (tests/js) will be skipped"; fi

$(JS)/node_modules/.installed: $(JS)/package.json $(JS)/package-lock.json
	cd $(JS) && npm ci --no-audit --no-fund
	@touch $@

# The reference React app's packages (examples/web), exactly as locked; its browser test builds it.
web:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(WEB)/node_modules/.installed; \
	  else echo "npm not found: the reference app's test (tests/web) will be skipped"; fi

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	@touch $@

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(VENV)/.local
	$(BIN)/python -m schema .

# Every stage's template, failing on a cdk-nag finding or a cfn-lint error.
synth: $(VENV)/.dev
	$(BIN)/python -m infra.app --all --check

bench: $(VENV)/.dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build cdk.out .pytest_cache .mypy_cache .ruff_cache $(GRAPHIQL)/node_modules $(JS)/node_modules $(JS)/generated $(WEB)/node_modules $(WEB)/dist
