# jichi — the two commands in the README are `make demo` and `make test`.
# Everything they need is installed from the project's own files (requirements/*.lock).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 8000
ARGS   ?=
# pytest-xdist workers for `make test` (2 for the 2-core machine; docs/performance.md has the timings);
# WORKERS=0 runs the suite in one process.
WORKERS ?= 2

.PHONY: demo test lint unit bench lock clean services screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.main-installed: requirements/main.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements/main.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements/dev.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@ $(VENV)/.main-installed

# The Digital Agency design tokens (npm, MIT) served to the counter pages.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

## demo: set up and start jichi with a demo municipality on embedded SQLite
demo: $(VENV)/.main-installed node_modules/.package-lock.json
	$(BIN)/jichi demo --port $(PORT) $(ARGS)

## test: set up and run lint, type checks and the whole suite (SQLite + PostgreSQL + NATS)
test: $(VENV)/.dev-installed node_modules/.package-lock.json
	scripts/services
	scripts/system-deps
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup $(ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy jichi bench
	$(BIN)/lint-imports

## screenshots: refresh docs/screenshots/*.png from the browser tests
screenshots: $(VENV)/.dev-installed node_modules/.package-lock.json
	JICHI_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/e2e/browser $(ARGS)

## bench: run the benchmarks in bench/ (figures as ratios to a baseline in the same run)
bench: $(VENV)/.dev-installed
	scripts/services
	$(BIN)/python -m bench $(ARGS)

## lock: re-resolve the pinned dependency files from pyproject.toml
lock: | $(BIN)/python
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile -q pyproject.toml -o requirements/main.lock
	$(BIN)/uv pip compile -q pyproject.toml --extra dev -o requirements/dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
