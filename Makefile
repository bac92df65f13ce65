# The suite's commands. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DATA_DIR ?= ./var
export DATA_DIR

.PHONY: run run-distributed test test-compose lint migrate bench bench-tools install clean vendor oidc-provider

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) -m services.migrate

run: install migrate
	DEMO_DATA=$${DEMO_DATA:-1} $(PY) -m uvicorn services.suite:create_suite_app --factory \
		--host 127.0.0.1 --port $(PORT) --no-access-log

# Every service its own process (brokerage twice) on PostgreSQL and RabbitMQ, a database per service made when
# missing (DATABASE_URL names the first part of their names; default postgresql+asyncpg://postgres@127.0.0.1:5432/homecare)
# and BROKER_URL (default amqp://guest:guest@127.0.0.1:5672/); Ctrl-C stops them all.
run-distributed: install
	DEMO_DATA=$${DEMO_DATA:-1} $(PY) -m services.distributed --port $(PORT)

# The tests run in TEST_WORKERS processes (pytest-xdist; `auto` is one per core, 0 runs them in this one), each with
# its own databases, virtual host, ports and temporary nodes; a file's tests stay together in one worker, and the
# files are handed out in the order tests/conftest.py collects them (the longest first), not by their number of tests.
TEST_WORKERS ?= auto
test: install lint oidc-provider
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# The real OpenID provider the single sign-on tests start (npm's oidc-provider, run with Node.js 20 or later).
oidc-provider: tests/oidc/node_modules/.package-lock.json

tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund

# The stack of docker-compose.yml in containers, from images built here without any registry
# (docker-compose.local.yml): starts dockerd if none answers (and leaves it running), makes the local base
# images once (minutes; kept for the next runs), then tests/compose builds the suite's image, starts the
# stack, runs referrals through it while brokerage is cut off from the network, and takes it all down.
test-compose: install
	deploy/local/start-dockerd.sh
	deploy/local/build-images.sh
	$(PY) -m pytest -m compose tests/compose $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check shared services tests bench
	$(PY) -m mypy shared services bench

# Refreshes the web client's vendored front-end files (GOV.UK Frontend, Chart.js, and axe-core for the tests)
# from services/gateway/webclient/package-lock.json; the built files are committed, so only this needs Node.js.
vendor:
	cd services/gateway/webclient && npm ci --no-audit --no-fund && node build.mjs

# Benchmarks (about ten minutes; bench/results.json and a table): needs PostgreSQL and RabbitMQ as `make test`
# does, and Debian's wrk and nginx, installed here when missing.
bench: install bench-tools
	$(PY) -m bench

bench-tools:
	@{ command -v wrk && { command -v nginx || test -x /usr/sbin/nginx; }; } >/dev/null 2>&1 || { \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk nginx; }

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache
