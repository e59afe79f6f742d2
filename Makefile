# `make serve` and `make test` work from nothing: each creates .venv and installs what it needs
# (`make serve` only what serving needs; `make test` adds the test tools).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell cksum pyproject.toml | cut -d' ' -f1)
SERVE_STAMP := $(VENV)/.installed-serve-$(HASH)
STAMP  := $(VENV)/.installed-test-$(HASH)
ARGS   ?=
# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
CHROMIUM ?= chromium
APT_GET  ?= apt-get

.PHONY: install install-serve serve browser test contract bench bench-peers bench-compare soak screenshots lint format clean

install: $(STAMP)

install-serve: $(SERVE_STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVE_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	rm -f $(VENV)/.installed-serve-* && touch $@

# The test tools on top of the package: a test install also counts as a serve install.
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@ $(SERVE_STAMP)

serve: install-serve
	$(BIN)/mockserver serve $(ARGS)

# Chromium for the browser tests: found, or installed from Debian's packages when this is root, or
# one sentence on what to install (the browser tests are then skipped, saying so).
browser:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || [ -x "$$MOCKSERVER_CHROMIUM" ] || \
	  { [ "$$(id -u)" = 0 ] && $(APT_GET) update -q && $(APT_GET) install -y -q chromium; } || \
	  echo "The browser tests need Debian's Chromium: run 'sudo apt-get install chromium' (until then they are skipped)."

# In parallel, a worker per core (pytest-xdist): about 3 minutes on 2 cores. `ARGS="-n 0"` runs it in
# one process; `ARGS=tests/engine` runs one folder.
test: install lint browser
	$(BIN)/python -m pytest -n auto $(ARGS)

# The contract suite with many more generated cases than `make test` runs (about 200 per operation).
contract: install
	MOCKSERVER_CONTRACT_EXAMPLES=$${MOCKSERVER_CONTRACT_EXAMPLES:-200} $(BIN)/python -m pytest tests/contract $(ARGS)

# Throughput, latency, start-up, memory and reset against a bare Starlette baseline (installs wrk
# from the system's packages when missing); about 10 minutes. Writes bench/results.md.
bench: install
	$(BIN)/python -m bench $(ARGS)

# The same, plus Stoplight Prism on the JFramework spec (installed from the npm registry; needs npx).
bench-peers: install
	$(BIN)/python -m bench --peers $(ARGS)

# The working tree against git revision REV (default HEAD~1), side by side in one run:
# `make bench-compare REV=v0.1.0`. Prints a table of req/s and ratios.
bench-compare: install
	$(BIN)/python -m bench.compare $${REV:-HEAD~1} $(ARGS)

# Ten minutes of mixed load on a live fake (MINUTES=N to change), reported every minute.
soak: install
	$(BIN)/python -m bench.soak --minutes $${MINUTES:-10} $(ARGS)

# Pictures of the web pages from a seeded run (needs Debian's chromium): docs/*.png.
screenshots: install
	$(BIN)/python docs/screenshots.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
