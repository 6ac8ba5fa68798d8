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

LAMBDA_INPUTS := $(shell find lambda_src -name '*.py') lambda_src/requirements.txt scripts/build_lambda.py scripts/lambda_platform.py
HOST_PY = $(shell $(BIN)/python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
HOST_ARCH = $(shell $(BIN)/python -c 'from pipeline_dev.lambda_runtime import host_architecture as h; print(h())')

.PHONY: help venv test lint typecheck layers fuzz pytest demo up logs bench build artifacts static-tools terraform-standin clean

help:
	@echo "The two that matter:"
	@echo "  make demo    - run the pipeline locally on generated sample images and show the results (IMAGES=folder for yours)"
	@echo "  make test    - run every test and static check (lint, typecheck, layers, pytest)"
	@echo "Parts of make test:"
	@echo "  make lint        - ruff check and ruff format --check"
	@echo "  make typecheck   - mypy (strict)"
	@echo "  make layers      - lint-imports: the package's layering contracts (.importlinter)"
	@echo "  make pytest      - the pytest suite on 2 workers; PYTEST_ARGS='tests/unit' or '-k name' for a part of it"
	@echo "Local stack and tools:"
	@echo "  make up      - the local stack in the foreground (PORT=4566 to pick the port)"
	@echo "  make logs    - follow the function's log lines (local stack: set AWS_ENDPOINT_URL from make up; FUNCTION=name)"
	@echo "  make fuzz    - the fuzz campaign, longer than make test's (DURATION=600 seconds; findings in .cache/fuzz)"
	@echo "  make bench   - benchmarks (ours vs naive Pillow vs libvips) on ../shared/bench; results in BENCH_RESULTS (default .cache/bench, untracked)"
	@echo "  make build   - Lambda artifacts (python3.12) for x86_64 and arm64 into dist/<arch>/"
	@echo "  make artifacts     - build, plus the artifacts for this machine's Python the tests run"
	@echo "  make static-tools  - checkov, asl-validator and the stand-in hashicorp/aws the static checks use"
	@echo "  make terraform-standin - print the export that points terraform at the offline stand-in hashicorp/aws"
	@echo "  make venv    - the development virtualenv in .venv (PYTHON=/path/to/python3.11+ to pick the interpreter)"
	@echo "  make clean   - remove every virtualenv, cache and build output"

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

# The layering of lambda_src/image_resizer as import-linter contracts (.importlinter); docs/architecture.md.
layers: $(STAMP)
	$(BIN)/lint-imports --no-cache

TOOLS_STAMP := .venv-tools/.installed
ASL_STAMP := tools/asl-validator/node_modules/.installed

# checkov pins its own boto3, so it lives in a venv of its own.
$(TOOLS_STAMP): tools/requirements-checkov.txt
	@test -x .venv-tools/bin/python || $(PYTHON) -m venv .venv-tools
	.venv-tools/bin/python -m pip install --quiet -r tools/requirements-checkov.txt
	@touch $@

$(ASL_STAMP): tools/asl-validator/package.json tools/asl-validator/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tools/asl-validator --silent --no-audit --no-fund && touch $@; \
	else echo "NOTE: npm not found: the asl-validator check will be skipped (install Node.js to run it)"; fi

# The stand-in hashicorp/aws that lets Terraform core init/validate/plan/apply/test offline: its typed schema
# (from the pinned cdktf wheel), deprecations (from the pinned Pulumi SDK), a filesystem mirror and a CLI config.
STANDIN := .cache/terraform/standin.tfrc
$(STANDIN): dev_src/pipeline_dev/provider_schema.py dev_src/pipeline_dev/deprecations.py $(wildcard dev_src/pipeline_dev/standin_aws/*.py) | $(STAMP)
	$(BIN)/python -m pipeline_dev.standin_aws install >/dev/null
	@touch $@

# Prints the line that points your own `terraform` at the stand-in, e.g. to run `terraform test` by hand.
terraform-standin: $(STANDIN)
	@echo "export TF_CLI_CONFIG_FILE=$(abspath $(STANDIN))"


static-tools: $(TOOLS_STAMP) $(ASL_STAMP) $(STANDIN)

pytest: $(STAMP) artifacts static-tools
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck layers pytest

# Terraform deploys dist/<architecture>/{function,layer}.zip (python3.12, the default runtime).
dist/%/layer.zip: $(LAMBDA_INPUTS) | $(STAMP)
	$(BIN)/python scripts/build_lambda.py --arch $* --python 3.12 --out dist/$*

build: dist/x86_64/layer.zip dist/arm64/layer.zip

# The tests also run the artifacts with this machine's Python, so build (and cache wheels) for it too.
build/host/layer.zip: $(LAMBDA_INPUTS) | $(STAMP)
	$(BIN)/python scripts/build_lambda.py --arch $(HOST_ARCH) --python $(HOST_PY) --out build/host

artifacts: build build/host/layer.zip

# The local stack builds the one artifact set it runs (dist/<arch> for Python 3.12, else build/host) on demand.
demo: $(STAMP)
	$(BIN)/python scripts/demo.py $(if $(IMAGES),--images "$(IMAGES)",)

# The local stack in the foreground: prints AWS_ENDPOINT_URL=..., ORIGINALS_BUCKET=..., RESIZED_BUCKET=...,
# STATE_MACHINE_ARN=..., API_URL=... and serves until Ctrl-C. PORT=4566 picks the port. CDN=1 adds the CDN
# stand-in (CDN_URL=...) running the CloudFront Function Terraform renders, over variants with formats.
up: $(STAMP)
	$(BIN)/python -m pipeline_dev.local up $(if $(PORT),--port $(PORT),) $(if $(CDN),--cdn,)

logs: $(STAMP)
	$(BIN)/image-resizer logs --follow $(if $(FUNCTION),--function $(FUNCTION),)

# The fuzz campaign (pipeline_dev.fuzz), fresh randomness each run; make test runs a bounded, seeded one.
DURATION ?= 600

fuzz: $(STAMP)
	$(BIN)/python -m pipeline_dev.fuzz --duration $(DURATION)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $@

# Results go where git does not track them; to record them on purpose: make bench BENCH_RESULTS=benchmarks/results
BENCH_RESULTS ?= .cache/bench

bench: $(BENCH_STAMP) artifacts
	@mkdir -p $(BENCH_RESULTS)
	$(BIN)/python benchmarks/bench_resize.py --durations $(BENCH_RESULTS)/bench_resize.json
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_cold_start.py
	$(BIN)/python benchmarks/bench_download.py
	$(BIN)/python benchmarks/bench_local_pipeline.py
	$(BIN)/python benchmarks/bench_backfill.py

clean:
	rm -rf $(VENV) .venv-tools tools/asl-validator/node_modules dist build .cache .pytest_cache .ruff_cache .mypy_cache
