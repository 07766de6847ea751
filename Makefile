# nbplayground: everyday commands, all over a local virtualenv in .venv/.
#
#   make lab     set up .venv (the lab extra) and open notebooks/playground.ipynb in JupyterLab
#   make test    set up .venv, run ruff, then every test (unit, widget, browser, notebooks)
#   make e2e     set up .venv and run only the browser tests (tests/e2e)
#   make screenshots   run the browser tests and copy their README pictures to docs/screenshots/
#   make bench   set up .venv and run each script in benchmarks/
#   make clean   remove caches, build output and artifacts/ (keeps .venv)
#   make distclean   clean, and remove .venv too
#
# Variables you may override on the command line:
#   PYTHON       interpreter that creates the venv           (default: python3)
#   LAB_ARGS     extra arguments for `jupyter lab`           (default: listen on 127.0.0.1 only)
#   PYTEST_ARGS  extra arguments for pytest, e.g. PYTEST_ARGS="-x -k slider"

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
# Touched after a successful install; redone whenever pyproject.toml changes.  `make lab`
# needs only the lab extra (JupyterLab, widgets, Voila); the tests also need the test extra
# (Playwright, Keras and JAX for the export tests: about 580 MB more).
STAMP := $(VENV)/.nbplayground-installed
LAB_STAMP := $(VENV)/.nbplayground-lab

LAB_ARGS ?= --ServerApp.ip=127.0.0.1
PYTEST_ARGS ?=
# Jupyter refuses to run as root unless told (containers and CI often are root).
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Notebooks are executed by nbmake as part of the suite, when there are any.
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
NBMAKE_ARGS := $(if $(NOTEBOOKS),--nbmake notebooks,)
PLAYGROUND_NB := $(wildcard notebooks/playground.ipynb)

.PHONY: lab test e2e screenshots bench clean distclean setup

setup: $(STAMP)

# A failed `venv` (Debian without python3-venv) leaves a .venv with a python and no pip,
# which the next make would take as done: remove it, and say what is missing.
$(VPY):
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "'$(PYTHON) -m venv' failed; on Debian or Ubuntu: apt-get install python3-venv" >&2; \
		exit 1; }

$(LAB_STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install --disable-pip-version-check --progress-bar off -e '.[lab]'
	touch $(LAB_STAMP)

$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install --disable-pip-version-check --progress-bar off -e '.[lab,test]'
	touch $(LAB_STAMP) $(STAMP)

lab: $(LAB_STAMP)
	$(VPY) -m jupyter lab $(ROOT_ARGS) $(LAB_ARGS) $(PLAYGROUND_NB)

test: $(STAMP)
	$(VPY) -m ruff check .
	$(VPY) -m pytest tests $(NBMAKE_ARGS) $(PYTEST_ARGS)

e2e: $(STAMP)
	$(VPY) -m pytest tests/e2e $(PYTEST_ARGS)

# The browser tests write the README's pictures to artifacts/screenshots/docs/ (a test run
# changes nothing git tracks); this runs them and publishes the pictures in docs/screenshots/.
screenshots: $(STAMP)
	rm -rf artifacts/screenshots/docs
	$(VPY) -m pytest tests/e2e $(PYTEST_ARGS)
	mkdir -p docs/screenshots
	cp artifacts/screenshots/docs/*.png docs/screenshots/

bench: $(STAMP)
	@set -e; found=0; \
	for script in benchmarks/*.py; do \
		[ -f "$$script" ] || continue; found=1; \
		echo "== $$script"; $(VPY) "$$script"; \
	done; \
	[ $$found -eq 1 ] || echo "no benchmark scripts in benchmarks/"

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis artifacts
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -type d -name .ipynb_checkpoints -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
