# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv by themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint notebooks-strip nav bench wheelhouse clean app lab

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

## Stylise a built-in photo with a built-in painting; writes outputs/demo.png and outputs/demo.json.
demo: $(STAMP)
	$(BIN)/styletransfer demo

## The whole test suite: library, CLI, notebooks (quick mode), widgets, browser test, lint.
## Two pytest-xdist workers (most tests wait on one core: imports, tracing, subprocesses);
## TEST_WORKERS=0 runs in one process. Extra pytest options: PYTEST_ADDOPTS="-k cli".
TEST_WORKERS ?= 2
test: $(STAMP)
	@if command -v npm >/dev/null 2>&1 && [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then \
	  (cd tests/browser && npm ci --no-audit --no-fund --silent) || echo "note: npm ci failed; the accessibility check will skip"; fi
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

## The web app for a workshop room (port 8866). Idle kernels of closed or reloaded tabs are culled
## after a minute; APP_FLAGS=--Voila.ip=127.0.0.1 keeps it on this machine.
CULL := --MappingKernelManager.cull_idle_timeout=60 --MappingKernelManager.cull_interval=15
APP_FLAGS ?=
app: $(STAMP)
	$(BIN)/voila notebooks/app.ipynb --port=8866 --Voila.ip=0.0.0.0 --no-browser $(CULL) $(APP_FLAGS)

## JupyterLab on the notebooks, with the same kernel culling.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(CULL)

lint: $(STAMP)
	$(BIN)/ruff check styletransfer tests notebooks tools benchmarks

## Regenerate navigation links and indexes, then strip outputs from every notebook.
notebooks-strip: $(STAMP)
	$(BIN)/python tools/notebook_nav.py
	$(BIN)/nbstripout notebooks/*.ipynb

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py

## Every wheel a workshop laptop needs, for an offline room: Linux x86-64, macOS arm64 and Windows x86-64,
## Python 3.10-3.13 (about 4 GB), into wheelhouse/. Fewer: make wheelhouse WHEELHOUSE_ARGS="--platform here".
## Install on a laptop: python -m pip install --no-index --find-links wheelhouse "styletransfer[notebooks]"
WHEELHOUSE_ARGS ?=
wheelhouse: $(STAMP)
	$(BIN)/python tools/wheelhouse.py --out wheelhouse $(WHEELHOUSE_ARGS)

clean:
	rm -rf $(VENV) outputs .pytest_cache
