# The two set-up commands of the README: `make run` and `make test`.
# Both install the locked dependencies into .venv first (uv, from PyPI, when missing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(PYTHON) -m uv
RAW_DIR ?= $(or $(PAPERTRENDS_RAW_DIR),data/raw)
SAMPLE_DUMPS ?= 30

.PHONY: run test install bench

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --quiet --compile-bytecode
	@echo "preparing the dbt manifest (dbt parse)"
	@$(BIN)/python -W ignore -c "import pipelines.defs.dbt"
	@touch $@

run: install
	@mkdir -p "$(RAW_DIR)"
	@if [ -z "$$(ls -A "$(RAW_DIR)" 2>/dev/null)" ]; then \
		echo "$(RAW_DIR) holds no dumps: writing a synthetic sample of $(SAMPLE_DUMPS) dumps there first"; \
		$(BIN)/papertrends synth --out "$(RAW_DIR)" --dumps $(SAMPLE_DUMPS) --seed 1; \
	fi
	$(BIN)/papertrends run --raw-dir "$(RAW_DIR)"

test: install
	$(BIN)/python -m pytest

# Benchmarks against a user's scripts (see benchmarks/run.py): writes BENCHMARKS.md; the data goes
# to /tmp/papertrends-bench. BENCH_SIZE=full (100 to 10,000 dumps: hours here), medium or tiny.
BENCH_SIZE ?= full
bench: install
	$(BIN)/python -m benchmarks.run --size $(BENCH_SIZE)
