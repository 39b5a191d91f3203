# Quick start: `make run` solves the default scenario, `make test` runs the tests; `make lint` checks style.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint clean

$(BIN)/gridsite: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	@# The build backend warns about editable installs in general (nothing to act on): silenced.
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

run: $(BIN)/gridsite
	$(BIN)/gridsite solve data/default --out out/default

test: $(BIN)/gridsite
	$(BIN)/pytest -q

lint: $(BIN)/gridsite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) out
