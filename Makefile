# The two commands of the README: `make run` (whole system on real parts) and `make test` (whole suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint format clean-local chromium bench audit lock

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s)" % sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m deploy.local

test: install lint chromium
	$(PY) -m pytest

# The browser test drives Debian's Chromium through Playwright (Playwright's own download cannot work here).
chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Not part of the tests: raw baselines and the system measured in one run (prints a table, writes JSON).
bench: install
	$(PY) -m deploy.bench.platform

# The locked dependencies (exact versions the tests ran with) against the PyPI/OSV advisories.
# Needs access to pypi.org's JSON API or api.osv.dev; tests/test_dependencies.py keeps the lock current.
audit: install
	$(VENV)/bin/pip-audit --requirement requirements.lock --no-deps --disable-pip --strict

# After changing pyproject.toml: install the newest allowed versions, test, then freeze them here
# (requirements.lock, and requirements-runtime.lock: its part without the dev extras, for the image).
lock:
	$(PY) -m pip install --quiet --upgrade -e '.[dev]'
	$(PY) -m deploy.lockfile

clean-local:
	rm -rf .local
