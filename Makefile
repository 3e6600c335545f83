# Two commands from a bare checkout: `make demo` and `make test`. Both create the
# environment (uv + the committed uv.lock, Python 3.11) before doing anything else.
# --compile-bytecode: the libraries' bytecode written once, at install; where Python may not
# write it (PYTHONDONTWRITEBYTECODE, a read-only venv) every `chu` would compile Polars,
# DuckDB... again: `chu query` 1.08 s of CPU instead of 0.55 s (docs/benchmarks.md).
SHELL := /bin/bash
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN = $(UV) run --frozen --python 3.11

.PHONY: env demo test test-fast ui up down bench docs docs-model clean

env: .venv/.chu-synced

.venv/.chu-synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --python 3.11 --compile-bytecode
	@touch $@

demo: env
	$(RUN) chu demo

# Everything, as CI runs it (.ci/run). Whole files to each worker, in the conftest's order
# (heaviest first): a file's shared build is made once, not once per worker (docs/getting-started.md).
# Three workers on the 2-core machine: a third of a two-worker run's time the cores wait (tests
# waiting on daemons, sensors and subprocesses); four make the heaviest files collide (docs/benchmarks.md).
XDIST = -n 3 --dist loadfile --no-loadscope-reorder
test: env
	$(RUN) pytest $(XDIST)

# The inner loop: what is none of slow, daemon, browser, celery (markers in pyproject.toml,
# applied by chu_platform_tests/conftest.py).
FAST = not (slow or daemon or browser or celery)
test-fast: env
	$(RUN) pytest $(XDIST) -m "$(FAST)"

ui: env
	$(RUN) chu ui

# Dagster's daemon and webserver in the background on 127.0.0.1 (PostgreSQL instance when
# DAGSTER_PG_URL is set); logs under data/logs/, stopped by PID (docs/operations.md).
up: env
	$(RUN) python -m chu_platform.deploy.services up

down: env
	$(RUN) python -m chu_platform.deploy.services down

bench: env
	$(UV) sync --frozen --python 3.11 --group bench
	$(RUN) --group bench python -m benchmarks all

docs-model: env
	$(RUN) python -m chu_platform.docs_gen

docs: docs-model
	NO_MKDOCS_2_WARNING=1 $(RUN) mkdocs build --strict --site-dir site

clean:
	rm -rf data/* .venv .venv-clients
	@touch data/.gitkeep
