# Two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench clean

# The browser tests drive Debian's Chromium (Playwright's own download cannot work on a
# closed network); as root, as CI runs, install it when it is missing.
CHROMIUM := /usr/bin/chromium

$(STAMP): pyproject.toml
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && apt-get install -y -q chromium poppler-utils; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/aftersales run

test: $(STAMP)
	$(BIN)/python -m pytest

# The pure rules and the service layer on in-memory fakes: no NATS, no database server,
# under a minute. The loop to run while editing; `make test` before pushing.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not integration and not e2e"

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/calls_throughput.py

clean:
	rm -rf var .pytest_cache
