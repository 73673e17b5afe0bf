# Everything here works on a machine with only python3 and make: the first target that needs
# the virtual environment creates it and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint typecheck audit sandbox bench stress clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/lmsbridge

sandbox: $(STAMP)
	$(BIN)/lmsbridge sandbox --host 127.0.0.1 --port 8765

# One pytest worker per core (pytest-xdist): the suite is CPU-bound and its tests isolated.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Known vulnerabilities in the venv's dependencies (pip-audit); an unreachable vulnerability
# service is said in one line and is not a failure by itself.
audit: $(STAMP)
	$(BIN)/python .ci/audit.py

check: lint typecheck audit test

# Benchmarks (never part of `make test`): `make bench BENCH_ARGS=--quick` for a smoke run,
# `BENCH_ARGS="--only B1,B3"` for some of them.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# The reliability promises at a larger size than `make test` runs them (fuzzing, concurrency,
# SIGKILL trials, faults), then a table of figures; a few minutes. `STRESS_ARGS=--quick` for
# the sizes of `make test`.
stress: $(STAMP)
	$(BIN)/python -m tests.reliability.stress $(STRESS_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
