# Sporky Lite: `make run` starts the app, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 7860

.PHONY: setup run test weights lint format bench screenshots clean

setup: $(VENV)/.runtime weights

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

weights: $(VENV)/.runtime
	$(BIN)/python -m lite_app fetch-weights

run: setup
	PORT=$(PORT) $(BIN)/python app.py

test: setup $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup $(VENV)/.dev
	$(BIN)/python bench/edit.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
