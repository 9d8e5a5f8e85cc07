# Two commands: `make site` builds the site, `make test` runs every test.
# Each creates or updates the virtual environment .venv from the pinned requirements.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The browser tests drive this Chromium; Debian's package is installed when it is missing.
CASEBOOK_CHROMIUM ?= /usr/bin/chromium
export CASEBOOK_CHROMIUM
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: site test check verify bench chromium clean

site: $(INSTALLED)
	$(PY) -m casebook build

test: $(INSTALLED) chromium
	$(PY) -m pytest

check: $(INSTALLED)
	$(PY) -m casebook check

verify: $(INSTALLED)
	$(PY) -m casebook verify

bench: $(INSTALLED)
	$(PY) -m bench.run

chromium:
	@test -x "$(CASEBOOK_CHROMIUM)" || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

$(INSTALLED): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# Register the kernel inside the venv, so papermill runs this environment's Python.
	$(PY) -m ipykernel install --sys-prefix --name casebook --display-name "Python (casebook)"
	touch $@

clean:
	rm -rf _build
