# The front door: `make serve` sets up and serves the page; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: serve setup setup-dev frontend test test-fast bench clean

serve: setup frontend
	$(VENV)/bin/tempera serve --host $(HOST) --port $(PORT)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Serving and sampling need no TensorFlow: flask, waitress, numpy.
setup: $(PY)
	$(PIP) install -e .

# Training, export and the tests: TensorFlow, tf_keras, tensorflowjs, pytest, Playwright.
setup-dev: $(PY)
	$(PIP) install -e ".[train,test]"

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

frontend: node_modules/.package-lock.json
	npm run build

test: setup-dev frontend
	$(PY) -m pytest

test-fast: setup-dev
	$(PY) -m pytest -m "not slow and not browser"

bench: setup-dev frontend
	$(PY) bench/numpy_sampler.py
	$(PY) bench/browser.py

clean:
	rm -rf $(VENV) node_modules frontend/dist
