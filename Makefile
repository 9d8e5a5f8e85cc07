# Two commands: `make site` builds the site, `make test` runs every test.
# Each creates or updates the virtual environment .venv from the pinned requirements.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: site test check clean

site: $(INSTALLED)
	$(PY) -m casebook build

test: $(INSTALLED)
	$(PY) -m pytest

check: $(INSTALLED)
	$(PY) -m casebook check

$(INSTALLED): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# Register the kernel inside the venv, so papermill runs this environment's Python.
	$(PY) -m ipykernel install --sys-prefix --name casebook --display-name "Python (casebook)"
	touch $@

clean:
	rm -rf _build
