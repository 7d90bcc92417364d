# Two commands on a fresh machine: `make run` and `make test`. Each creates .venv when it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config.yaml

.PHONY: run test check docs docs-build bench clean

$(BIN)/omnicanal: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

run: $(BIN)/omnicanal
	$(BIN)/omnicanal run -c $(CONFIG)

check: $(BIN)/omnicanal
	$(BIN)/omnicanal check -c $(CONFIG)

# The documentation site (mkdocs.yml): served with live reload at http://127.0.0.1:8000/.
docs: $(BIN)/omnicanal
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# Built strict into site/: a broken link or anchor, or a page missing from the nav, fails.
docs-build: $(BIN)/omnicanal
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

test: $(BIN)/omnicanal
	$(BIN)/python scripts/ensure_chromium.py
	$(BIN)/python scripts/ensure_dovecot.py
	$(BIN)/ruff check bot connectors flows omnicanal tests bench docs/hooks
	$(BIN)/mypy
	# How well the demo understands free text (fails under 90% intent accuracy).
	$(BIN)/omnicanal eval flows/store_assistant/eval.yaml -c config.yaml
	$(MAKE) docs-build
	$(BIN)/python -m pytest -q --durations=15
	# The suite again on a local three-master Redis Cluster (tests/servers.py): only the tests
	# on the suite's store (tests/conftest.py), and not the browser tests: they test the
	# pages, whose every store call the API tests run here too.
	OMNICANAL_TEST_CLUSTER=1 $(BIN)/python -m pytest -q --durations=15 -m "not browser"

bench: $(BIN)/omnicanal
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .omnicanal site
