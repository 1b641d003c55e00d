# Two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench clean lock image-check

# The browser tests drive Debian's Chromium (Playwright's own download cannot work on a
# closed network); as root, as CI runs, install it when it is missing.
CHROMIUM := /usr/bin/chromium
# A CJK font, so that pages and screenshots in Chinese show glyphs, not boxes.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

# constraints.txt (deploy/lock.py) pins every package, so make, CI and the image agree.
$(STAMP): pyproject.toml constraints.txt
	@if { [ ! -x $(CHROMIUM) ] || ! command -v pdftotext >/dev/null || [ ! -e $(CJK_FONT) ]; } \
	  && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && apt-get install -y -q chromium poppler-utils fonts-wqy-microhei; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
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

# wrk (Debian's package) drives the load, so the generator is never the bottleneck; as
# root, as for chromium, install it when it is missing. DATABASE_URL=postgresql://… for
# PostgreSQL, else SQLite; bench/volumes.py times the board and statistics at volume.
bench: $(STAMP)
	@if ! command -v wrk >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && apt-get install -y -q wrk; fi
	$(BIN)/python bench/calls_throughput.py

# After changing pyproject.toml: install what it now asks for (keeping what is installed
# where it still fits), then rewrite constraints.txt from the venv.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python deploy/lock.py
	touch $(STAMP)

# Build the image with buildah and smoke-run the five services from it against this
# machine's NATS and PostgreSQL (deploy/image-check.sh; minutes, so not part of `make test`).
image-check:
	bash deploy/image-check.sh $(NATS_URL) $(DATABASE_URL)

clean:
	rm -rf var .pytest_cache
