# The two commands: `make run` (serve on SQLite with demo data) and `make test` (everything CI runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
AXE := node_modules/axe-core/axe.min.js

.PHONY: run test check lint types openapi-tools pytest pytest-postgres fuzz format migration lock bench bench-load bench-scale bench-backpressure bench-bulk samples clean

# The pinned versions of requirements-dev.lock (hashes checked), then the project itself, editable.
$(INSTALLED): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(INSTALLED)

run: $(INSTALLED)
	mkdir -p var
	$(BIN)/stackvet migrate
	$(BIN)/stackvet demo
	$(BIN)/stackvet serve

test: check openapi-tools pytest pytest-postgres

# Redocly CLI and Spectral (npm, pinned by package-lock.json) for tests/test_openapi_lint.py;
# without npm the lint test skips, unless STACKVET_REQUIRE_NODE is set (CI), where it fails.
OPENAPI_TOOLS := .ci/openapi/node_modules/.installed
openapi-tools: $(OPENAPI_TOOLS)
$(OPENAPI_TOOLS): .ci/openapi/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix .ci/openapi --no-audit --no-fund --silent && touch $(OPENAPI_TOOLS); \
	else \
		echo "npm not found: the OpenAPI lint test will skip (CI requires it)."; \
	fi

check: lint types

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(INSTALLED)
	$(BIN)/mypy

# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE, as on the
# CI machine): otherwise each pass, and each `stackvet` process a test starts, compiles the
# package again and pytest rewrites the asserts of every test module again (about 5 s of CPU
# a pass for collection alone). The files go to __pycache__/, which git and Docker ignore.
#
# Tests run in TEST_WORKERS processes (pytest-xdist), whole modules to a worker so a module's
# fixtures and order stay as written; 2 matches the CI machine's cores, where it took the two
# passes from 24 minutes to about 9 (15-18 with other work running). TEST_WORKERS=0 runs
# them in this process, one at a time.
TEST_WORKERS ?= 2
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

pytest: $(INSTALLED) $(AXE)
	$(PYTEST) --durations=15

# axe-core for the browser tests' accessibility check, pinned (with its hash) in
# package-lock.json; a test-only file that Playwright injects into pages, never served.
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(AXE)

# The database tests again on PostgreSQL, when STACKVET_TEST_DATABASE_URL names one. The
# browser tests run once, in the first pass: what their pages read and write on PostgreSQL is
# covered here by the web and API tests, and they are the slowest tests of the suite.
pytest-postgres: $(INSTALLED)
	@if [ -n "$$STACKVET_TEST_DATABASE_URL" ]; then \
		STACKVET_TEST_BACKEND=postgresql $(PYTEST) -m db --ignore=tests/web/browser --durations=15; \
	else \
		echo "STACKVET_TEST_DATABASE_URL is not set: PostgreSQL tests not run (CI sets it)."; \
	fi

# Schemathesis deeper than the run in `make test` (same live server and seed, more examples).
FUZZ_EXAMPLES ?= 200
fuzz: $(INSTALLED)
	STACKVET_SCHEMATHESIS_EXAMPLES=$(FUZZ_EXAMPLES) $(PYTEST) tests/test_schemathesis.py

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The pinned dependencies (with hashes) that the image and `make` install; pyproject.toml keeps
# the compatible ranges. Run after changing a dependency, or to take new releases.
LOCK := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --no-strip-extras \
	--no-emit-index-url --no-emit-find-links --upgrade
lock: $(INSTALLED)
	$(LOCK) --extra dev --output-file requirements-dev.lock pyproject.toml
	# the runtime lock takes the dev lock's versions, so both pin the same releases
	$(LOCK) --constraint requirements-dev.lock --output-file requirements.lock pyproject.toml

# Usage: make migration m="what changed"
migration: $(INSTALLED)
	mkdir -p var
	STACKVET_DATABASE_URL=sqlite:///var/migration-draft.db $(BIN)/alembic -c migrations/alembic.ini upgrade head
	STACKVET_DATABASE_URL=sqlite:///var/migration-draft.db $(BIN)/alembic -c migrations/alembic.ini revision --autogenerate -m "$(m)"
	rm -f var/migration-draft.db*

# Speed goals; the rescore benchmark uses PostgreSQL (a schema of its own) when BENCH_DATABASE_URL is set.
BENCH_DATABASE_URL ?= $(STACKVET_TEST_DATABASE_URL)
bench: $(INSTALLED)
	$(BIN)/python benchmarks/scoring.py $(if $(BENCH_DATABASE_URL),--postgres $(BENCH_DATABASE_URL))
	$(BIN)/python benchmarks/reports.py
	$(BIN)/python benchmarks/spreadsheets.py

# Requests per second under load (1, 10, 50 connections) against a bare FastAPI endpoint, on
# loopback; PostgreSQL (a schema of its own) when BENCH_DATABASE_URL is set. Load from wrk
# (apt-get install wrk) when installed, else a bounded asyncio client.
# One API process (what a process does per request: the ratio goals), then one per core (the
# README's sizing: the latency a deployment sized so gives).
bench-load: $(INSTALLED)
	$(BIN)/python benchmarks/load.py --repeat 3 $(if $(BENCH_DATABASE_URL),--postgres $(BENCH_DATABASE_URL))
	$(BIN)/python benchmarks/load.py --repeat 3 --workers cores $(if $(BENCH_DATABASE_URL),--postgres $(BENCH_DATABASE_URL))

# 100,000 assessments, 1,000 clients, 5,000 vendors in one organisation (PostgreSQL only):
# list pages, filters, sync and the dashboard by server time, with EXPLAIN ANALYZE and memory,
# three runs interleaved, then every figure's min/median/max against its budget. Seeding takes
# minutes; `make bench-scale SCALE_ARGS=--reuse` times the schema an earlier run seeded, and
# SCALE_ARGS="--reuse --only sync" one part of it.
SCALE_ARGS ?=
bench-scale: $(INSTALLED)
	@test -n "$(BENCH_DATABASE_URL)" || (echo "bench-scale needs PostgreSQL: set BENCH_DATABASE_URL"; exit 2)
	$(BIN)/python -m benchmarks.scale --postgres $(BENCH_DATABASE_URL) --repeat 3 $(SCALE_ARGS)

# 60 concurrent downloads of unrendered reports plus cheap reads, against `stackvet serve`; with
# BASELINE=<commit>, the same load first runs against that commit's code.
bench-backpressure: $(INSTALLED)
	$(BIN)/python -m benchmarks.backpressure $(if $(BENCH_DATABASE_URL),--postgres $(BENCH_DATABASE_URL)) \
		$(if $(BASELINE),--baseline $(BASELINE))

# 500 vendor and client upserts one request at a time against one bulk request, same run.
bench-bulk: $(INSTALLED)
	$(BIN)/python -m benchmarks.bulk $(if $(BENCH_DATABASE_URL),--postgres $(BENCH_DATABASE_URL))

# The sample reports linked from the README (rendered from the example answer files).
SAMPLES := docs/samples
SAMPLE_BRAND := --organisation "Demo Agency" --contact-name "Dana Reyes" \
	--contact-email "dana.reyes@demo-agency.example" --accent "\#0b6e4f" --logo $(SAMPLES)/demo-agency-logo.svg
samples: $(INSTALLED)
	mkdir -p $(SAMPLES)
	$(BIN)/stackvet report --answers questionnaires/examples/openweave.answers.json \
		--client questionnaires/examples/northwind.environment.json --vendor-name "OpenWeave AI" \
		--client-name "Northwind Retail" $(SAMPLE_BRAND) --scored-on 2026-11-24 \
		-o $(SAMPLES)/openweave-report.pdf
	$(BIN)/stackvet report --answers questionnaires/examples/monolith.answers.json \
		--client questionnaires/examples/northwind.environment.json --vendor-name "Monolith Intelligence" \
		--client-name "Northwind Retail" $(SAMPLE_BRAND) --scored-on 2026-11-24 \
		-o $(SAMPLES)/monolith-report.pdf
	$(BIN)/stackvet report --answers questionnaires/examples/lumen.answers.json \
		--client questionnaires/examples/northwind.environment.json --vendor-name "Lumen Labs" \
		--client-name "Northwind Retail" $(SAMPLE_BRAND) --scored-on 2026-11-24 \
		-o $(SAMPLES)/lumen-report.pdf
	@if command -v pdftoppm >/dev/null; then \
		rm -f $(SAMPLES)/*-page-*.png; \
		for name in openweave monolith lumen; do \
			pdftoppm -r 60 -png -f 1 -l 2 $(SAMPLES)/$$name-report.pdf $(SAMPLES)/$$name-page; \
		done; \
	else echo "pdftoppm (poppler-utils) not installed: page previews not refreshed"; fi

clean:
	rm -rf $(VENV) var build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
