# The README's two commands: `make plan` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STACK ?= dev

.PHONY: plan test lint docs install clean bench

$(BIN)/mlops-platform: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(BIN)/mlops-platform

plan: install
	$(BIN)/mlops-platform plan $(STACK)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mlops-platform docs --check

# Regenerate the component reference in components/README.md from the code.
docs: install
	$(BIN)/mlops-platform docs

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
