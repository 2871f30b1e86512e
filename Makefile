# campaignkit — `make run` (the main job) and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.campaignkit-installed
# Hillstrom is read from here (never committed); override with CAMPAIGNKIT_DATA_HOME=/path.
export CAMPAIGNKIT_DATA_HOME ?= $(firstword $(wildcard $(abspath ../shared/data) /work/shared/data) $(abspath data/raw))
PYTEST_ARGS ?= --durations=15

.PHONY: install run test test-all lab clean lint

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name campaignkit --display-name "Python (campaignkit)"
	@touch $(STAMP)

run: install  ## execute every numbered notebook into reports/latest/
	rm -rf reports/latest
	$(BIN)/campaignkit report --out reports/latest

test: install  ## the test suite without `slow` tests
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$rc

test-all: install  ## everything, slow real-data runs included
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install  ## the formatter's check and the linter, as CI runs them
	$(BIN)/ruff format --check campaignkit tests bench
	$(BIN)/ruff check campaignkit tests bench

lab: install  ## JupyterLab on notebooks/ with the campaignkit kernel
	$(BIN)/jupyter lab --notebook-dir notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache lightning_logs build *.egg-info
	find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	find data -mindepth 1 -maxdepth 1 ! -name README.md ! -name fixtures -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
