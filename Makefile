# Two commands matter: `make demo` and `make test`. Both set themselves up in .venv on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
PYTEST_ARGS ?=

.PHONY: help venv test lint typecheck pytest demo bench build clean

help:
	@echo "make demo   - run the pipeline locally on generated sample images and show the results"
	@echo "make test   - run every test and static check"
	@echo "make bench  - benchmarks (ours vs naive Pillow vs libvips) on ../shared/bench"
	@echo "make build  - Lambda artifacts for x86_64 and arm64 into dist/"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.11 is required (set PYTHON=/path/to/python3.11+)"; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

demo: $(STAMP)
	$(BIN)/python scripts/demo.py $(if $(IMAGES),--images $(IMAGES),)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench_resize.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache .mypy_cache
