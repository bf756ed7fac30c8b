# The README's commands. `make run` and `make test` each work on a fresh machine.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: install install-dev run test lint fmt typecheck check bench

$(BIN)/flask: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $(BIN)/flask

install: $(BIN)/flask

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(BIN)/flask
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install-dev: $(VENV)/.dev-installed

run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo load
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) wsgi:app

test: install-dev
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

fmt: install-dev
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

typecheck: install-dev
	$(BIN)/mypy

check: lint typecheck test

bench: install-dev
	PY=$(BIN)/python bench/run
