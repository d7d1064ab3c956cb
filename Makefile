# Everything runs from a virtual environment at .venv, built on first use from the lock file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: .venv run test bench eval lint lock clean

.venv: $(STAMP)

# Rebuilt when the lock or the project metadata changes; pinned versions first, then the
# project itself without touching them.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

run: $(STAMP)
	$(BIN)/intake run

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/e2e.py
	$(BIN)/python bench/storage.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/dedup.py

eval: $(STAMP)
	$(BIN)/intake eval ../shared/data/devset.jsonl

# Regenerates requirements.lock from pyproject.toml (needs network access to the package index).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		-o requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
