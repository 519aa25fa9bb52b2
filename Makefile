# The two set-up commands are `make demo` and `make test`; the rest are for developers.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint db schema documents bench bench-seed bench-matching bench-graphql \
	bench-tiles bench-import bench-records bench-fuzz bench-anchors bench-tools bench-notify clean lock \
	bench-scorecards bench-reports bench-coverage bench-fanout bench-national

setup:
	@scripts/setup.sh

# requirements.lock: every package (dev tools included) pinned with its hashes, for every
# platform and Python >= 3.11; setup installs exactly it. requirements-runtime.lock: the same
# pins without the dev tools, for the container image. After changing pyproject.toml's
# dependencies run `make lock` (kept pins stay; `make lock LOCK_ARGS=--upgrade` moves them).
LOCK_FLAGS := --universal --generate-hashes --python-version 3.11 --custom-compile-command "make lock"
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(LOCK_ARGS) -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -c requirements.lock \
	  -o requirements-runtime.lock

demo: setup
	$(BIN)/hub demo

# pytest exits 5 when it collected no test: that fails too.
test: setup lint
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/hub db start >/dev/null; fi
	$(BIN)/python -m pytest -q $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "no tests ran: failing" >&2; exit 1; fi; exit $$status

lint: setup
	$(BIN)/ruff check hub tests bench
	$(BIN)/mypy hub
	$(BIN)/lint-imports --no-logo

db: setup
	$(BIN)/hub db start
	$(BIN)/hub db migrate

# Written to a scratch file first: a schema that fails to build leaves the committed SDL as it was.
schema: setup
	$(BIN)/hub export-schema > hub/schema/schema.graphql.new
	mv hub/schema/schema.graphql.new hub/schema/schema.graphql

# The manifest of the registered documents (hub/schema/documents/*.graphql), Apollo's format.
documents: setup
	$(BIN)/python -c 'import sys; from hub.schema.trusted import main; sys.exit(main())'

bench: bench-seed bench-matching bench-graphql bench-tiles bench-import bench-records bench-fuzz

bench-seed: setup
	$(BIN)/python bench/bench_seed.py

bench-matching: setup
	$(BIN)/python bench/bench_matching.py

bench-graphql: setup bench-tools
	$(BIN)/python bench/bench_graphql.py

bench-tiles: setup bench-tools
	$(BIN)/python bench/bench_tiles.py

bench-import: setup
	$(BIN)/python bench/bench_import.py

# 5,000 hostile requests over HTTP: 5xx, uncoded errors, non-JSON refusals, p50/p99, RSS.
bench-fuzz: setup
	$(BIN)/python bench/bench_fuzz.py

bench-records: setup
	$(BIN)/python bench/bench_records_race.py

# 10,000 notifications (inbox, WeChat, SMS, e-mail) drained by two `hub worker` processes
# against local channels; per-channel and total deliveries/s (docs/notifications.md).
bench-notify: setup
	$(BIN)/python bench/bench_notify.py $(ARGS)

# A province's dispatch fanned out over 1 and 2 `hub worker` processes (docs/matching.md).
bench-fanout: setup
	$(BIN)/python bench/bench_fanout.py $(ARGS)

# The annual report (≤ 30 s for a province), recognition candidates and the MZ/T 061 export on
# a copy of the bench-graphql database (issue 16.9).
bench-reports: setup
	$(BIN)/python bench/bench_reports.py $(ARGS)

# 老少边贫 equity and the station-coverage model (issue 16.9): equity on a copy of the
# bench-graphql database, the covering-location model on a synthetic province (fixed seed).
bench-coverage: setup
	$(BIN)/python bench/bench_coverage.py $(ARGS)

# The national rehearsal (issue 17.5): 10,000,000 volunteers, 600,000 stations, 1,000,000
# demands over every province in hub_national, then near, tiles, a city's dispatch and a
# province's scorecard. ARGS: --seed, --reseed, --measure, --volunteers N (e.g. 1000000).
bench-national: setup
	$(BIN)/python bench/bench_national.py $(ARGS)

# Scorecards and campaign figures on a copy of the bench-graphql database (issue 16.9).
bench-scorecards: setup
	$(BIN)/python bench/bench_scorecards.py $(ARGS)

# The hub beside PostGraphile v4/v5 and the bare SQL on the same 1,000,000 volunteers
# (../shared/bench-anchors; a partner for anonymous, and the hub as `hub serve` serves it:
# bench/anchors/run.sh). ARGS="--quick" for a
# smoke run; the full run (3 rounds) takes about 21 minutes. Needs `make bench-graphql` once.
bench-anchors: setup bench-tools
	bench/anchors/run.sh $(ARGS)

# wrk generates HTTP load from a second process (the benchmarks fall back to a Python one).
bench-tools:
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "bench: wrk is missing (apt-get install wrk); using the Python load generator"; fi; }

clean:
	-$(BIN)/hub db stop
	rm -rf .make
