# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Set up and serve on SQLite at http://127.0.0.1:8000 (docs at /schema/swagger).
run: $(STAMP)
	$(BIN)/chirp serve

## Set up and run every check: lint, types, layer rules, unit and integration tests.
test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench devservers
	$(BIN)/ruff format --check src tests bench devservers
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench devservers
	$(BIN)/ruff check --fix src tests bench devservers

## Benchmark on a throwaway PostgreSQL 15 with wrk and pgbench: size S, or `make bench SIZE=L`.
bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; \
		apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.run --size $(or $(SIZE),S) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
