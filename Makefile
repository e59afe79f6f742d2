# `make serve` and `make test` work from nothing: each creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
ARGS   ?=

.PHONY: install serve test contract bench bench-peers bench-compare lint format clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

serve: install
	$(BIN)/mockserver serve $(ARGS)

test: install lint
	$(BIN)/python -m pytest $(ARGS)

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

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
