# Lossmit: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both work on a fresh machine with only Python 3.11: they create .venv and install into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_LOANS ?= 2000
DEMO_SEED ?= 42

.PHONY: run test lint format bench worker beat migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the pinned requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Development server with demo data. DEBUG is on here only; production sets SECRET_KEY instead.
run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --loans $(DEMO_LOANS) --seed $(DEMO_SEED)
	# Last night's scan, so worklists, buckets and the dashboard have data (a rerun changes nothing).
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py run_delinquency_scan
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run > /dev/null
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input

worker: $(VENV)/.installed
	$(BIN)/celery -A lossmit worker --loglevel=info

beat: $(VENV)/.installed
	$(BIN)/celery -A lossmit beat --loglevel=info

bench: $(VENV)/.installed
	$(BIN)/python bench/seed.py
	$(BIN)/python bench/scan.py

clean:
	rm -rf $(VENV) var/lossmit.sqlite3
