# castra-tail — everything runs in .venv, created on first use.
# `make demo` and `make test` are all a fresh clone needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,lint]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/castra-tail demo
	@echo "castra-tail is in $(BIN): 'source $(BIN)/activate' puts it on PATH (see the README's quick start)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

# ruff (lint and format) on everything, mypy --strict on castra_tail/.
lint: $(STAMP)
	$(BIN)/ruff check castra_tail tests bench
	$(BIN)/ruff format --check castra_tail tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis dist build

.PHONY: bench
# Figures, never assertions: lines/s against jq in the same run, peak RSS, start-up, latency.
bench: $(STAMP)
	@command -v jq >/dev/null || (apt-get install -y jq >/dev/null 2>&1 || sudo apt-get install -y jq) || echo "jq not found: jq figures will be missing"
	$(BIN)/python bench/run.py
	$(BIN)/python bench/stats.py

.PHONY: fuzz
# A long fuzz run by hand: the fuzzing properties (arbitrary bytes, JSON, event-like objects,
# long prefixes of BOMs, blanks and NULs, round trips, chunking) with 100 times their examples.
fuzz: $(STAMP)
	CASTRA_TAIL_FUZZ=100 $(BIN)/python -m pytest -q -p no:cacheprovider --hypothesis-show-statistics \
		tests/test_decode.py tests/test_hostile.py tests/test_reader.py -k "never or prefix or round_trips or chunking"
