# Everyday targets. Each creates .venv with plain python3 + pip if it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCENARIO ?= data/sample/scenario.yaml

.PHONY: app test plan lint bench sample clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

app: $(VENV)/.installed  ## start the Streamlit app on the bundled sample
	$(BIN)/streamlit run app.py

test: $(VENV)/.installed  ## ruff + the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

plan: $(VENV)/.installed  ## run every pipeline stage on the sample, write out/
	$(BIN)/planner plan --scenario $(SCENARIO) --out out

bench: $(VENV)/.installed  ## benchmarks (some need ../shared/)
	$(BIN)/python -m bench

sample: $(VENV)/.installed  ## regenerate data/sample/ from the seeded generator
	$(BIN)/planner sample --out data/sample

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
