# shikaku — one-command set-up, demo, tests and benchmarks.
#
#   make demo   set up, then run the main story on embedded defaults
#   make test   set up (system packages too, when root on Debian), then lint,
#               type checks, import contracts and the whole test suite
#   make lint   ruff (lint + format check), mypy --strict, import-linter
#   make bench  benchmarks; numbers go to bench/results.json
#
# Set-up is idempotent: .venv is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHIKAKU_VECTORS ?= $(abspath ../shared/vectors)
export SHIKAKU_VECTORS

.PHONY: setup system-deps card-deps demo test lint bench bench-register clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# System packages the tests need (PC/SC stack, browser, …). Installed only when
# running as root on a Debian-like system; elsewhere the tests that need them
# skip and say why.
system-deps:
	@./scripts/system-deps.sh

# pyscard (the PC/SC transport) has no Linux wheel: it builds against
# libpcsclite-dev and swig, so it comes after system-deps. Quick when present;
# where it cannot be built the PC/SC tests skip and say why.
card-deps: setup system-deps
	@$(BIN)/python -c 'import smartcard.scard' 2>/dev/null || \
	    $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[card]' || \
	    echo "card-deps: pyscard could not be built; the PC/SC tests will skip"

demo: setup
	$(BIN)/shikaku demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

test: setup system-deps card-deps lint
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python -m bench.run --out bench/results.json

# The whole 看護師 register (1,300,000 records by default; RECORDS=20000 for a short run):
# imported and issued once in dc+sd-jwt on PostgreSQL and SQLite; the register section of
# bench/results.json.
RECORDS ?= 1300000
WORKERS ?= 3
IMPORT_WORKERS ?= 2
bench-register: setup
	$(BIN)/python -m bench.register_bench --records $(RECORDS) --workers $(WORKERS) \
	    --import-workers $(IMPORT_WORKERS) --out bench/results.json

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
