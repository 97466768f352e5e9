# The two commands of the README. Each does its own set-up, and says what it is doing
# from the first second (the first install takes a minute or two).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

.PHONY: run test lint bench clean chromium

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) on PATH (or: make PY=python3 ...)"; exit 1; }
	@echo "creating $(VENV) with $(PY)"
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# pip's own lines, one per package it collects, and a line every 10 s while it unpacks,
# instead of a silent minute.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing healthsim and its dependencies into $(VENV) (first run only: about 1-2 minutes)"
	@( n=0; while sleep 10; do n=$$((n + 10)); echo "  ... still installing ($$n s)"; done ) & beat=$$!; \
	  trap 'kill $$beat 2>/dev/null' EXIT; \
	  $(BIN)/python -m pip install --progress-bar off -e ".[test]" \
	  | sed -un -e 's/^Collecting \([^ ;]*\).*/  collecting \1/p' \
	    -e 's/^Installing collected packages.*/  unpacking them into $(VENV) .../p' -e 's/^Successfully installed.*/  done/p'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/healthsim generate --template medicare-diabetic --journey diabetic-first-year --journey annual-care --count 200 --seed 42 --db out/healthsim.duckdb
	$(BIN)/healthsim validate --db out/healthsim.duckdb
	$(BIN)/healthsim report --db out/healthsim.duckdb --out out/report.html

test: $(STAMP)
	@echo "running the test suite on 2 processes: about 5 minutes on 2 idle cores"
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=15

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_population.py

# Debian's chromium for the report's browser test (the test runs this itself when chromium is missing)
chromium:
	sh tools/install_chromium.sh

clean:
	rm -rf $(VENV) out .pytest_cache
