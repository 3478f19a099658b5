# Sporky Lite: `make run` starts the app, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 7860

.PHONY: setup run test weights lint format bench browser load screenshots clean

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

# Debian's Chromium for the browser tests and screenshots (the browser tests
# also install it on first use when run as root).
browser:
	(test -x /usr/bin/chromium && fc-list :lang=ko | grep -q .) || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum)

load: setup $(VENV)/.dev
	$(BIN)/python bench/load.py

screenshots: setup $(VENV)/.dev browser
	$(BIN)/python bench/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
