# Quick start: `make run` solves the default scenario, `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test clean

$(BIN)/gridsite: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/gridsite
	$(BIN)/gridsite solve data/default --out out/default

test: $(BIN)/gridsite
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) out
