# The front door: `make serve` sets up and serves the page; `make test` runs every test;
# `make test-fast` is the loop to run while working (no training, no browser).
# Each setup step leaves a stamp and runs again only when what it installs from has changed:
# the virtual environment from pyproject.toml, node_modules from package-lock.json, the built
# page from its sources.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1
PORT ?= 5000

SETUP_STAMP := $(VENV)/.stamp-run
DEV_STAMP := $(VENV)/.stamp-dev
NODE_STAMP := node_modules/.package-lock.json
PAGE := frontend/dist/app.js
# The page's sources, and the contract data the build bundles from tempera/ (the bundle schema).
PAGE_SOURCES := $(shell find frontend -path frontend/dist -prune -o -type f -print) $(wildcard tempera/*.json)

.PHONY: serve setup setup-dev frontend lint test test-fast bench dist clean

serve: setup frontend
	$(VENV)/bin/tempera serve --host $(HOST) --port $(PORT)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Serving and sampling need no TensorFlow: flask, waitress, numpy.
setup: $(SETUP_STAMP)
$(SETUP_STAMP): pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

# Training, export, the tests and the linters: TensorFlow, tf_keras, tensorflowjs, pytest,
# Playwright, ruff.
setup-dev: $(DEV_STAMP)
$(DEV_STAMP): pyproject.toml | $(PY)
	$(PIP) install -e ".[train,test]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

frontend: $(PAGE)
$(PAGE): $(NODE_STAMP) $(PAGE_SOURCES)
	npm run build

lint: $(DEV_STAMP) $(NODE_STAMP)
	$(VENV)/bin/ruff check .
	node_modules/.bin/eslint .

# Every test; the slowest 25 are listed at the end, so a test that grows shows up.
test: setup-dev frontend
	$(PY) -m pytest --durations=25

# The tests that neither train nor open a browser: about 2 minutes here.
test-fast: setup-dev frontend
	$(PY) -m pytest -m "not slow and not browser" --durations=10

bench: setup-dev frontend
	$(PY) bench/numpy_sampler.py
	$(PY) bench/browser.py

# A wheel with the built page and the shipped models inside: `pip install dist/tempera-*.whl`
# gives a working `tempera serve` and `tempera sample` anywhere, no Node or checkout needed.
dist: $(PY) frontend
	rm -rf tempera/bundled build dist
	mkdir -p tempera/bundled
	cp -r frontend/dist tempera/bundled/page
	find tempera/bundled/page -name '*.map' -delete
	cp -r models tempera/bundled/models
	$(PIP) wheel --no-deps -w dist . ; status=$$?; rm -rf tempera/bundled build; exit $$status

clean:
	rm -rf $(VENV) node_modules frontend/dist dist build tempera/bundled
