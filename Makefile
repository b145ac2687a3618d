# Two commands matter: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint format bench demo browser clean-db

$(VENV)/.runtime-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Build the database from the bundled offline snapshot if there is none, then serve the app.
run: $(VENV)/.runtime-installed
	$(PY) -m etl build --if-missing
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# Debian's Chromium drives the browser tests (Playwright's own browser download does not work offline).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

test: $(VENV)/.dev-installed browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Timings (not tests): ETL throughput at 1k/10k/100k synthetic studies, page render times.
bench: $(VENV)/.dev-installed
	$(PY) -m bench

# The app on the small fixture warehouse the tests use.
demo: $(VENV)/.runtime-installed
	$(PY) -m tests.fixtures.build_demo data/demo.duckdb
	LANDSCAPE_DB=data/demo.duckdb $(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true

clean-db:
	rm -f data/warehouse.duckdb
