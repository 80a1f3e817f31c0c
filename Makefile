# cs324scale: two commands for a fresh machine with Python >= 3.10 and make.
#   make course  - install, build every notebook, execute the lectures (fast mode) into build/
#   make test    - install, run the unit tests and nbval over lectures and solutions
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NOTEBOOKS = $(wildcard lectures/[0-9]*.ipynb solutions/[0-9]*.ipynb)
PYTEST_ARGS ?=

.PHONY: install course slides notebooks test check-browser lab sweeps bench lint clean colab-runtime floors

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,notebooks]"
	@touch $(STAMP)

install: $(STAMP)

notebooks: $(STAMP)
	$(PY) tools/build_notebooks.py

test: $(STAMP)
	CS324SCALE_FAST=1 JAX_PLATFORMS=cpu $(PY) -m pytest $(PYTEST_ARGS) tests --ignore=tests/browser --nbval-lax $(NOTEBOOKS)

course: $(STAMP)
	$(PY) tools/build_notebooks.py
	CS324SCALE_FAST=$${CS324SCALE_FAST-1} $(PY) tools/build_course.py

slides: course

# Walk every deck in headless Chromium (Debian's chromium package) and take screenshots.
check-browser: course
	$(PY) -m pytest $(PYTEST_ARGS) tests/browser

lab: $(STAMP)
	$(VENV)/bin/jupyter lab

sweeps: $(STAMP)
	$(PY) -m cs324scale.experiments
	$(PY) -m cs324scale.experiments.batch_size  # the gradient noise scale along a batch_size run

bench: $(STAMP)
	JAX_PLATFORMS=cpu $(PY) bench/bench_fit.py
	$(PY) bench/bench_train.py

# Every lecture and solution in Colab's runtime: a fresh Python 3.13 venv from .ci/colab-runtime.txt.
colab-runtime: $(STAMP)
	$(PY) tools/run_colab_runtime.py

lint: $(STAMP)
	$(VENV)/bin/ruff check cs324scale tools tests bench

# Lowest-floors job: a fresh venv with every dependency at its pyproject.toml floor.
floors:
	bash .ci/floors

clean:
	rm -rf build
