# casebridge: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# One pytest worker per core (pytest-xdist); each has its own SQLite file or PostgreSQL database.
# PYTEST_WORKERS=0 runs in one process. Workers take two tests at a time (--maxschedchunk 2):
# in xdist's default batches of a quarter of the suite, the first worker got every heavy
# end-to-end test (tests/conftest.py puts them first) and ran them one after the other while the
# other worker ran out of work.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --maxschedchunk 2 --durations=15 --durations-min=1
# Python writes bytecode caches: without them every test process and every server the tests
# start compiles Django and the project again (some environments set PYTHONDONTWRITEBYTECODE).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test test-fast test-sqlite test-postgres lint format bench bench-large clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The server's and the worker's log lines go to var/log/serve.log and mail to files under
# var/mail, so the demo sign-ins, printed last, stay on the screen.
RUN_VAR = $${CASEBRIDGE_VAR_DIR:-var}
run: install
	@$(BIN)/casebridge migrate --noinput --verbosity 0
	@mkdir -p "$(RUN_VAR)/log"
	@$(BIN)/casebridge demo > "$(RUN_VAR)/demo-sign-ins.txt"
	@echo "Sign in at http://127.0.0.1:8000/ with one of the logins above. (The casebridge command is .venv/bin/casebridge.)" >> "$(RUN_VAR)/demo-sign-ins.txt"
	@$(BIN)/casebridge serve --with-worker --bind 127.0.0.1:8000 \
		--log-file "$(RUN_VAR)/log/serve.log" --banner "$(RUN_VAR)/demo-sign-ins.txt"

# The whole suite on SQLite; with CASEBRIDGE_TEST_DATABASE_URL set, the heavy end-to-end tests
# (marked e2e: crash safety, fuzzing, the bench pipeline, browsers) run once, on PostgreSQL.
# The two halves run one after the other: run side by side (the SQLite half at a lower
# priority) they took longer on two cores, 630 s against 576 s, both halves being busy most of
# the time. .ci/run runs the lint beside them.
test: install
	@if [ -n "$$CASEBRIDGE_TEST_DATABASE_URL" ]; then \
		$(MAKE) --no-print-directory test-sqlite PYTEST_MARKS="not e2e" && \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		$(MAKE) --no-print-directory test-sqlite && \
		echo "CASEBRIDGE_TEST_DATABASE_URL is not set: skipped the PostgreSQL run"; \
	fi

# While iterating: SQLite without the e2e tests (about a minute).
test-fast: install
	@$(MAKE) --no-print-directory test-sqlite PYTEST_MARKS="not e2e"

test-sqlite: install
	@echo "== test suite on SQLite$(if $(PYTEST_MARKS), ($(PYTEST_MARKS)))"
	env -u CASEBRIDGE_TEST_DATABASE_URL $(PYTEST) $(if $(PYTEST_MARKS),-m "$(PYTEST_MARKS)") $(PYTEST_ARGS)

test-postgres: install
	@echo "== test suite on PostgreSQL ($$CASEBRIDGE_TEST_DATABASE_URL)"
	$(PYTEST) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	env CASEBRIDGE_VAR_DIR=$$(mktemp -d) $(BIN)/casebridge makemigrations --check --dry-run
	$(BIN)/python .ci/lint_migrations.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks on SQLite in a temporary folder, or on the PostgreSQL database named by
# BENCH_DATABASE_URL (dropped and rebuilt). `bench` is the 10,000-case profile (minutes),
# `bench-large` 10k/100k/1M cases and the SLA sweep among a million (an hour or more).
bench: install
	$(BIN)/python bench/scale.py --profile small
	$(BIN)/python bench/run.py
	$(BIN)/python bench/sla.py --cases 10000 --due 1000 --events 300

bench-large: install
	$(BIN)/python bench/scale.py --profile large
	$(BIN)/python bench/sla.py --cases 1000000 --due 1000

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
