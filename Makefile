# Two commands: `make site` builds the site, `make test` runs every test.
# Each creates or updates the virtual environment .venv from its pinned requirement set:
# requirements.txt (site), requirements-verify.txt (make verify: the site set, pytest and
# nbval, which casebook verify itself does not use), requirements-test.txt (tests),
# requirements-lab.txt (JupyterLab), all constrained by constraints.txt, which pins every
# package with its hashes (`make constraints` writes it).
# The venv's own pip installs the two installers first (requirements-install.txt, pip and uv
# checked against their own hashes); uv then installs every set, checking the hashes in
# constraints.txt, and compiles each package's .pyc as it installs (docs/development.md).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# uv installs every set, in about half pip's time (docs/development.md). It writes every
# package's .pyc at install (--compile-bytecode): where PYTHONDONTWRITEBYTECODE is set (as on
# the machine that runs make test) nothing else does, and every process would compile pandas
# or Sphinx again on import.
INSTALL := $(VENV)/bin/uv pip install --quiet --python $(PY) --compile-bytecode
# The browser tests drive this Chromium; Debian's package is installed when it is missing.
CASEBOOK_CHROMIUM ?= /usr/bin/chromium
export CASEBOOK_CHROMIUM
# The memo's Word document is converted with this LibreOffice in the tests (tests/test_memo_libreoffice.py);
# Debian's smallest package that converts (no GUI, no Java) is installed when it is missing.
CASEBOOK_SOFFICE ?= /usr/bin/soffice
export CASEBOOK_SOFFICE
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# Options passed on to JupyterLab by make lab, e.g. make lab ARGS="--port 8899 --no-browser".
ARGS ?=

.PHONY: site test test-fast lint constraints check verify bench lab chromium libreoffice clean

site: $(VENV)/.site
	$(PY) -m casebook build

# In parallel (pytest-xdist): one worker runs a whole test file, or every file that reads
# one of the sites built once per session (conftest.py). One worker more than there are cores:
# with one per core the cores idle 12 % of the run while tests wait for kernels, builds and
# the browser (docs/development.md, "Tests"). TEST_WORKERS=2 (or 0, serial) by hand.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print((os.cpu_count() or 1) + 1)")
test: lint chromium libreoffice
	$(PY) -m pytest -n $(TEST_WORKERS)

# Unit, rule, property and notebook tests and the three browser tests of the search's
# merging (tests/test_search_merge.py, on a stand-in site): no site build, but Chromium.
test-fast: lint chromium
	$(PY) -m pytest -m "not e2e"

# The static checks, in seconds, before either: ruff's lint and format check, mypy on
# casebook/domain, and lint-imports (the import direction of the layers); all configured
# in pyproject.toml.
lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Compiles constraints.txt from the requirement sets: every package they need, on every
# Python that requires-python allows and every system, with the hashes of its files; and
# requirements-install.txt, the pinned pip and uv with their hashes. A version already in
# constraints.txt is kept unless a requirement file asks for another (docs/development.md).
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11.5 --generate-hashes \
	--custom-compile-command "make constraints"
constraints: $(VENV)/.test
	$(UV_COMPILE) -o constraints.txt requirements-test.txt requirements-lab.txt
	grep -E '^(pip|uv)==' requirements.txt | $(UV_COMPILE) -o requirements-install.txt -

check: $(VENV)/.site
	$(PY) -m casebook check

verify: $(VENV)/.verify
	$(PY) -m casebook verify

bench: $(VENV)/.test
	$(PY) -m bench.run

lab: $(VENV)/.lab
	$(VENV)/bin/jupyter lab $(ARGS) notebooks/case_report.ipynb

chromium:
	@test -x "$(CASEBOOK_CHROMIUM)" || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

libreoffice:
	@test -x "$(CASEBOOK_SOFFICE)" || { \
	  echo "Installing Debian's libreoffice-writer-nogui for the memo tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null; }

$(VENV)/.site: requirements-install.txt requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# The installers first, with the venv's own pip, checked against their own hashes
	@# (requirements.txt says why both).
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-install.txt
	$(INSTALL) -r requirements.txt -c constraints.txt
	$(INSTALL) --no-deps --no-build-isolation -e .
	@# Register the kernel inside the venv, so papermill runs this environment's Python.
	$(PY) -m ipykernel install --sys-prefix --name casebook --display-name "Python (casebook)"
	touch $@

$(VENV)/.verify: $(VENV)/.site requirements-verify.txt
	$(INSTALL) -r requirements-verify.txt -c constraints.txt
	touch $@

$(VENV)/.test: $(VENV)/.verify requirements-test.txt
	$(INSTALL) -r requirements-test.txt -c constraints.txt
	touch $@

$(VENV)/.lab: $(VENV)/.site requirements-lab.txt
	$(INSTALL) -r requirements-lab.txt -c constraints.txt
	touch $@

clean:
	rm -rf _build
