# Two commands do everything:  `make run` (set up, index the sample articles, open the chat page)
# and `make test` (set up, pass the whole test suite). Everything lands in .venv; nothing global
# but Debian's chromium for the browser test.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 7860
# llama-cpp-python builds llama.cpp from source. A portable AVX2 build rather than -march=native: on Intel
# Xeons with AMX, llama.cpp 0.3.36's AMX matrix kernel crashes (SIGSEGV in ggml_backend_amx_mul_mat) on
# the first decode; AVX2 runs on every x86-64 machine this project meets, AMD and Intel alike.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

.PHONY: run install test test-fast lint bench browser clean

run: install
	$(BIN)/assistant ingest
	$(BIN)/assistant serve --port $(PORT)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 (or run make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/assistant models
	touch $@

browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser and not integration"

lint: install
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/ruff format --check assistant tests benchmarks

# The BBC index is built once (about 5 minutes) and shared by the two benchmarks that need it.
BENCH_INDEX ?= $(or $(TMPDIR),/tmp)/assistant-bench-index

bench: install
	$(BIN)/python benchmarks/retrieval.py --index $(BENCH_INDEX) --sweep
	$(BIN)/python benchmarks/speed.py --index $(BENCH_INDEX)
	$(BIN)/python benchmarks/load.py --clients 8 --questions 1

clean:
	rm -rf $(VENV) index/chroma.sqlite3 index/*/ index/*.sqlite*
