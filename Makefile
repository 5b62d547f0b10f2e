# Two commands set up a fresh clone: `make serve` and `make test`. Each creates the virtual
# environment from the lock file on first use, migrates the database, and runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install serve migrate relay demo test pytest example fuzz lint format typecheck contracts clean bench

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "shop needs Python 3.11 or newer"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/shop db upgrade

serve: migrate
	$(BIN)/shop serve

relay: migrate
	$(BIN)/shop relay

demo: migrate
	$(BIN)/shop demo-data

test: install lint typecheck contracts pytest example

# The suite in parallel, a file per worker at a time (decision 0031); the concurrency races run
# afterwards on their own, so that nothing else competes with the contention they check.
PYTEST_WORKERS ?= auto
pytest: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --ignore=tests/concurrency
	$(BIN)/pytest tests/concurrency

# The worked example of the testing kit (examples/household): its own project, run from its own
# folder with its own pytest settings, as an embedder runs their tests.
example: install
	cd examples/household && ../../$(BIN)/pytest -q

# The OpenAPI fuzzing of `make test` with fresh random data and many more cases per operation
# (docs/decisions/0021); FUZZ_EXAMPLES=1000 for a longer hunt.
FUZZ_EXAMPLES ?= 200
fuzz: install
	SHOP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -s tests/e2e/test_fuzz_openapi.py

lint: install
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

format: install
	$(BIN)/ruff check --fix src tests benchmarks examples
	$(BIN)/ruff format src tests benchmarks examples

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

bench: install
	$(BIN)/python benchmarks/uow_vs_asyncpg.py
	$(BIN)/python benchmarks/coupon_claims.py
	$(BIN)/python benchmarks/coupon_codes.py
	$(BIN)/python benchmarks/giftcard_batch.py
	$(BIN)/python benchmarks/giftcard_spends.py
	$(BIN)/python benchmarks/http_reads.py
	$(BIN)/python benchmarks/pricing_quote.py
	$(BIN)/python benchmarks/pricing_quote_http.py
	$(BIN)/python benchmarks/points_sweep.py
	$(BIN)/python benchmarks/points_spends.py
	$(BIN)/python benchmarks/relay.py

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis var
