# Two commands matter to a new user: `make demo` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)

.PHONY: help install demo test lint unit integration e2e bench bench-fairness bench-checks bench-drift bench-out-of-core clean bench-cli

help:
	@echo "make demo   - train a scikit-learn model, register it, show lineage and verify the audit chain (SQLite)"
	@echo "make test   - lint, type-check, layer contract, and the full test suite (SQLite and PostgreSQL)"
	@echo "make bench  - registry benchmark side by side with MLflow (slow; writes bench/RESULTS.md figures)"
	@echo "make bench-fairness - fairness metrics side by side with Fairlearn (prints the figures)"
	@echo "make bench-checks - the production check set on 1,000,000 rows (time, memory) and fairness vs Fairlearn (prints the figures)"
	@echo "make bench-drift - drift on 1,000,000 rows side by side with Evidently 0.7 (time, memory, verdicts; prints the figures)"
	@echo "make bench-out-of-core - steward monitor ingest on 2,000,000 and 10,000,000-row Parquet files beside Polars streaming and pandas in chunks (ROWS=50000000 for the large run)"

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,spark]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/registry.py

bench-fairness: $(STAMP)
	$(BIN)/python bench/fairness.py

bench-checks: $(STAMP)
	$(BIN)/python bench/checks.py

bench-drift: $(STAMP)
	$(BIN)/python bench/drift.py

bench-out-of-core: $(STAMP)
	$(BIN)/python bench/out_of_core.py $(if $(ROWS),--rows $(ROWS))

bench-cli: $(STAMP)
	$(BIN)/python bench/cli_start.py

clean:
	rm -rf $(VENV) .steward-demo .mypy_cache .ruff_cache .pytest_cache
