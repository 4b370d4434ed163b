# The two set-up commands of the README: `make run` and `make test`.
# Both first install the locked dependencies (uv.lock) into .venv/ with uv: the uv on PATH when
# there is one, else a copy of uv bootstrapped from PyPI into .uv/ (a venv of PYTHON). Nothing is
# installed outside the project folder (uv's download cache aside), so a system Python that is
# "externally managed" (PEP 668: Debian, Ubuntu) is never touched.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_HOME := .uv
UV ?= $(or $(shell command -v uv 2>/dev/null),$(UV_HOME)/bin/uv)
# RAW_DIR is a landing folder the user names: it must exist, nothing is ever written into it.
RAW_DIR ?= $(PAPERTRENDS_RAW_DIR)
# WAREHOUSE: the DuckDB file for RAW_DIR (default data/warehouse.duckdb); a warehouse takes dumps
# from the one landing folder it was built from.
WAREHOUSE ?= $(PAPERTRENDS_WAREHOUSE)
DEFAULT_RAW_DIR := data/raw
SAMPLE_DUMPS ?= 30
# The scripts, styles and fonts of the Data Docs (package.json, locked in package-lock.json),
# from the npm registry into node_modules/; without npm the Data Docs load them from CDNs.
NPM ?= $(shell command -v npm 2>/dev/null)
DOCS_ASSETS := node_modules/.installed
# The parsed dbt project the Dagster code location reads when it is imported (it never parses it
# itself): prepared here, and again whenever a file of the dbt project is newer (so does every
# papertrends command that runs the pipeline). Under data/, never in dbt/.
DBT_MANIFEST := data/dbt-manifest/manifest.json
DBT_SOURCES := $(wildcard dbt/dbt_project.yml dbt/profiles.yml) $(shell find dbt/models dbt/macros dbt/seeds dbt/tests -type f 2>/dev/null)

.PHONY: run test install lint bench soak drills python-check

install: $(VENV)/.installed $(DBT_MANIFEST) $(DOCS_ASSETS)

# One line when PYTHON is missing or is a version papertrends does not support (see README).
python-check:
	@command -v "$(PYTHON)" >/dev/null 2>&1 || { \
		echo "make: $(PYTHON) not found: install Python 3.11 or 3.12 (Debian/Ubuntu: sudo apt install python3) or pass PYTHON=/path/to/python3"; exit 1; }
	@"$(PYTHON)" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' || { \
		echo "make: $(PYTHON) is Python $$("$(PYTHON)" -c 'import sys; print("%d.%d" % sys.version_info[:2])'): papertrends needs 3.11 or 3.12, pass PYTHON=python3.11 or PYTHON=python3.12"; exit 1; }

# Only when no uv is on PATH: a venv of PYTHON in .uv/ with uv from PyPI. Debian and Ubuntu ship
# `venv` without ensurepip unless python3-venv is installed: say so in one line.
$(UV_HOME)/bin/uv: | python-check
	@rm -rf "$(UV_HOME)"
	@"$(PYTHON)" -m venv "$(UV_HOME)" >/dev/null 2>&1 || { rm -rf "$(UV_HOME)"; \
		echo "make: $(PYTHON) cannot create a venv (no ensurepip): install python$$("$(PYTHON)" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv (sudo apt install python3-venv), or put uv on PATH (https://docs.astral.sh/uv/)"; exit 1; }
	@echo "no uv on PATH: installing uv from PyPI into $(UV_HOME)/ (project-local)"
	@"$(UV_HOME)/bin/python" -m pip install --quiet --disable-pip-version-check "uv>=0.5,<1" \
		|| { rm -rf "$(UV_HOME)"; echo "make: could not install uv from PyPI into $(UV_HOME)/ (network?)"; exit 1; }

# uv builds .venv on PYTHON itself (never a Python it would download into the user's home).
$(VENV)/.installed: pyproject.toml uv.lock | python-check $(if $(filter $(UV_HOME)/bin/uv,$(UV)),$(UV_HOME)/bin/uv)
	"$(UV)" sync --frozen --quiet --compile-bytecode --python "$(PYTHON)" --no-python-downloads
	@touch $@

$(DBT_MANIFEST): $(VENV)/.installed $(DBT_SOURCES)
	@echo "preparing the dbt manifest (dbt parse into $(dir $@))"
	@$(BIN)/python -W ignore -m pipelines.defs.dbt_project

# npm ci installs exactly the lockfile (no install scripts: .npmrc). Without npm, or when npm
# cannot reach its registry, one line says what that costs, and make goes on: everything else
# works, the Data Docs need the network.
$(DOCS_ASSETS): package.json package-lock.json
	@if [ -z "$(NPM)" ]; then \
		echo "make: npm not found: the Data Docs will load their scripts and styles from CDNs (online only); install Node.js and npm (sudo apt install npm) and run make install again"; \
	else \
		echo "installing the Data Docs' scripts and styles (npm ci into node_modules/)"; \
		"$(NPM)" ci --silent --no-audit --no-fund --ignore-scripts --fetch-retries=1 --fetch-timeout=30000 \
			&& touch $@ \
			|| echo "make: npm ci failed (no registry?): the Data Docs will load their scripts and styles from CDNs (online only); run make install again with the npm registry reachable"; \
	fi

# Without RAW_DIR: the dumps in data/raw/, or, while it holds none, the demo (a synthetic sample
# in data/demo/ with its own warehouse; data/raw/ stays empty for your dumps).
run: install
ifeq ($(strip $(RAW_DIR)),)
	@mkdir -p "$(DEFAULT_RAW_DIR)"
	@if [ -z "$$(ls -A "$(DEFAULT_RAW_DIR)" 2>/dev/null)" ]; then \
		echo "$(DEFAULT_RAW_DIR)/ holds no dumps: running the demo (synthetic sample, warehouse data/demo/warehouse.duckdb); put your dumps into $(DEFAULT_RAW_DIR)/ or pass RAW_DIR=..."; \
		$(BIN)/papertrends demo --dumps $(SAMPLE_DUMPS); \
	else \
		$(BIN)/papertrends run --raw-dir "$(DEFAULT_RAW_DIR)" $(if $(strip $(WAREHOUSE)),--warehouse "$(WAREHOUSE)"); \
	fi
else
	$(BIN)/papertrends run --raw-dir "$(RAW_DIR)" $(if $(strip $(WAREHOUSE)),--warehouse "$(WAREHOUSE)")
endif

test: install
	$(BIN)/python -m pytest

# The Python with ruff, the dbt project's SQL with sqlfluff (.sqlfluff: DuckDB dialect, Jinja with
# dbt's builtins and dbt/sqlfluff_libs); `sqlfluff fix dbt/models dbt/macros dbt/tests` formats it.
lint: install
	$(BIN)/ruff check pipelines tests benchmarks reliability dbt
	$(BIN)/ruff format --check pipelines tests benchmarks reliability dbt
	$(BIN)/sqlfluff lint dbt/models dbt/macros dbt/tests --processes 2

# Benchmarks against a user's scripts (see benchmarks/run.py): writes BENCHMARKS.md; the data goes
# to /tmp/papertrends-bench. BENCH_SIZE=full (100 to 10,000 dumps: hours here), medium or tiny.
BENCH_SIZE ?= full
bench: install
	$(BIN)/python -m benchmarks.run --size $(BENCH_SIZE)

# Kills during every stage and a soak under the daemon (see reliability/soak.py): writes its
# figures into RELIABILITY.md; data goes to /tmp/papertrends-soak. SOAK_SIZE=full (10 kills per
# stage, 200 dumps saved under `papertrends ui`: about two hours here), medium or tiny.
SOAK_SIZE ?= full
soak: install
	$(BIN)/python -m reliability.soak --size $(SOAK_SIZE)

# The short versions of those drills (tests marked `drill`: about 15 minutes here), which
# `make test` leaves out to keep CI short.
drills: install
	$(BIN)/python -m pytest -m drill
