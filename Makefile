# The two commands of the README. Each does its own set-up.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean chromium

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) on PATH (or: make PY=python3 ...)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/healthsim generate --template medicare-diabetic --journey diabetic-first-year --journey annual-care --count 200 --seed 42 --db out/healthsim.duckdb
	$(BIN)/healthsim validate --db out/healthsim.duckdb
	$(BIN)/healthsim report --db out/healthsim.duckdb --out out/report.html

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_population.py

# Debian's chromium for the report's browser test (the test runs this itself when chromium is missing)
chromium:
	sh tools/install_chromium.sh

clean:
	rm -rf $(VENV) out .pytest_cache
