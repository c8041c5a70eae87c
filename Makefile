# The quick start is `make run` and `make test`; every target sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAGE  ?= dev

.PHONY: run test schema synth bench lint format clean

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

run: $(VENV)/.local schema.graphql
	$(BIN)/ugc dev

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(VENV)/.local
	$(BIN)/python -m schema schema.graphql

synth: $(VENV)/.dev
	$(BIN)/python -m infra.app --all

bench: $(VENV)/.dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build cdk.out .pytest_cache .mypy_cache .ruff_cache
