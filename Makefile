# castra-tail — everything runs in .venv, created on first use.
# `make demo` and `make test` are all a fresh clone needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint venv clean compiled test-compiled

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

# The optional compiled build (mypyc, as black and mypy ship theirs): the hot modules
# compiled in a copy of the package under build/compiled, never beside the sources, so
# that a compiled module never shadows an edited one; rebuilt whenever a source changes.
# The default install stays pure Python. A C compiler is needed for this only.
# Never a module that declares msgspec structs (records.py, ssh.py, contract/events/,
# decode.py's Malformed): mypyc drops a struct's options (tag, frozen), which would
# change what -j sends. Each run of the hot loop calls into all of these: a call
# from a compiled module to a pure one costs as much as a pure call.
COMPILED := build/compiled
HOT      := pipeline.py run/intake.py run/state.py run/vms.py run/kept.py run/phases.py \
            run/commands.py run/stream.py run/trailing.py \
            contract/levels.py render/layout.py render/lines.py render/text.py \
            render/fused.py render/timeline.py render/bootstraps.py
SOURCES  := $(shell find castra_tail -name '*.py')
WITH_COMPILED := PYTHONSAFEPATH=1 PYTHONPATH=$(CURDIR)/$(COMPILED) CASTRA_TAIL_COMPILED=1

compiled: $(COMPILED)/.stamp

$(COMPILED)/.stamp: $(STAMP) $(SOURCES) Makefile
	rm -rf $(COMPILED)
	mkdir -p $(COMPILED)
	tar -ch --exclude=__pycache__ castra_tail | tar -x -C $(COMPILED)
	cd $(COMPILED) && $(CURDIR)/$(BIN)/mypyc $(addprefix castra_tail/,$(HOT)) > mypyc.log 2>&1 \
		|| (tail -20 mypyc.log; exit 1)
	touch $@

# The whole suite on the compiled build (tests/test_compiled.py checks it is the one run).
# `env`, not a bare VAR=value prefix: make then runs no /bin/sh above pytest, whose
# ancestors the shell-completion tests look at.
test-compiled: $(COMPILED)/.stamp
	env $(WITH_COMPILED) $(BIN)/python -m pytest -q

# ruff (lint and format) on everything, mypy --strict on castra_tail/.
lint: $(STAMP)
	$(BIN)/ruff check castra_tail tests bench
	$(BIN)/ruff format --check castra_tail tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis dist build

.PHONY: bench
# Figures, never assertions: per mode and stream, pure and compiled, against jq in the same run.
bench: $(STAMP)
	@command -v jq >/dev/null || (apt-get install -y jq >/dev/null 2>&1 || sudo apt-get install -y jq) || echo "jq not found: jq figures will be missing"
	-$(MAKE) --no-print-directory compiled || echo "no compiled build (a C compiler?): pure figures only"
	$(BIN)/python bench/run.py
	$(BIN)/python bench/stats.py

.PHONY: fuzz
# A long fuzz run by hand: the fuzzing properties (arbitrary bytes, JSON, event-like objects,
# long prefixes of BOMs, blanks and NULs, round trips, chunking) with 100 times their examples.
fuzz: $(STAMP)
	CASTRA_TAIL_FUZZ=100 $(BIN)/python -m pytest -q -p no:cacheprovider --hypothesis-show-statistics \
		tests/test_decode.py tests/test_hostile.py tests/test_reader.py -k "never or prefix or round_trips or chunking"
