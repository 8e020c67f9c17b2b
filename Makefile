# The two entry points a newcomer needs: `make report` and `make test`.
# Each one sets up what is missing (Debian packages, .venv) and then runs.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export OPENBLAS_NUM_THREADS ?= 1
# test processes (pytest-xdist; a module's tests stay in one process and share its fixtures)
WORKERS ?= 2
# The typed core: mypy --strict on the symbolic model, compile, results and flow layers.
STRICT  := dynena/model dynena/compile dynena/results dynena/flow dynena/_typing.py \
           dynena/errors.py dynena/limits.py dynena/progress.py

.PHONY: setup system test test-all report bench docs clean

# Debian packages: Graphviz's `dot` (drawings), AUTO-07p + gfortran (continuation oracle),
# chromium + chromium-driver (the browser test of the interactive report.html).
system:
	@command -v dot >/dev/null 2>&1 && [ -d /usr/lib/auto-07p ] && command -v gfortran >/dev/null 2>&1 \
	  && command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq graphviz auto-07p gfortran gcc chromium chromium-driver >/dev/null; }

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test,docs]'
	touch $(STAMP)

setup: system $(STAMP)

test: setup
	$(BIN)/python -m ruff check dynena tests bench --select F,E9,B023,I
	$(BIN)/python -m mypy dynena
	$(BIN)/python -m mypy --strict --follow-imports=silent $(STRICT)
	$(BIN)/mkdocs build --strict --quiet --site-dir build/site
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist loadscope

test-all: setup
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist loadscope -m ''

report: setup
	$(BIN)/dynena flipflop --bits 3 --seed 0 -o reports/flipflop3 --overwrite

# The documentation site (docs/, API pages from the docstrings) into build/site/.
docs: setup
	$(BIN)/mkdocs build --strict --site-dir build/site

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
