# One entry point for students, instructors and maintainers.
# Every target creates .venv on first use with the machine's python3, so a fresh
# clone needs nothing installed beforehand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

# nbgrader shells out to `alembic`, and notebooks start the venv's kernel: the
# venv's bin/ must come first on PATH for every command.
export PATH := $(BIN):$(PATH)
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0
# Two pytest workers (or grading workers) each running a multi-threaded BLAS on two cores
# slow each other down several-fold; one BLAS thread per process is faster here.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: demo test lint lab bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m course_lib.demo --out build/demo
	$(BIN)/python -m autograder demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n $(JOBS) -q

# ruff, and the import directions written in pyproject.toml ([tool.importlinter])
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# Students: Jupyter Lab on build/student/, a workspace made from the release (never from
# notebooks/, which holds the solutions). The release is made again when a notebook or the
# library or the release tool changed; work already in build/student/ is kept.
# LAB_ARGS: more Lab options, e.g. LAB_ARGS="--ip=0.0.0.0 --no-browser".
RELEASE := build/release
STUDENT := build/student
LAB_ARGS ?=

$(RELEASE)/.made: $(STAMP) $(wildcard notebooks/*/* course_lib/*.py course_lib/*/*.py autograder/*.py autograder/*/*.py)
	$(BIN)/python -m autograder release --out $(RELEASE)
	touch $@

lab: $(RELEASE)/.made
	$(BIN)/python -m autograder workspace --release $(RELEASE) --out $(STUDENT) --lab -- $(LAB_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/train_speed.py

clean:
	rm -rf build .pytest_cache .ruff_cache
