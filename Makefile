# The front door: `make serve` sets up and serves the page; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: serve setup setup-dev frontend test test-fast bench dist clean

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
