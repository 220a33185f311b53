# Guichet unique Territoires d'industrie
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench refresh-data check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/guichet db upgrade
	@# Byte-compiled ahead, as pip does for an installed wheel: a start-up then reads no source
	@# (PYTHONDONTWRITEBYTECODE would otherwise have every start compile the whole package again).
	$(BIN)/python -m compileall -q app
	$(BIN)/guichet serve

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench.territory
	$(BIN)/python -m bench.engine_scale
	$(BIN)/python -m bench.match_http
	$(BIN)/python -m bench.sirene
	$(BIN)/python -m bench.cases
	$(BIN)/python -m bench.web

refresh-data: $(STAMP)
	$(BIN)/guichet data refresh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
