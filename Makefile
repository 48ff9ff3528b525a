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

.PHONY: demo test lint lab bench clean venv messages

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

# The Chinese edition's catalogues (course_lib/language.py): extract the English messages of
# each gettext domain, merge them into its zh_CN catalogue (translate the new entries there),
# compile. make test fails while a catalogue is out of date or has an untranslated entry.
BABEL_FLAGS := -F pyproject.toml -k N_ --no-location --sort-output --no-wrap --omit-header
messages: $(STAMP)
	$(BIN)/pybabel extract $(BABEL_FLAGS) --ignore-dirs='mistakes locale _answers' -o course_lib/locale/course_lib.pot course_lib
	$(BIN)/pybabel extract $(BABEL_FLAGS) -o course_lib/locale/mistakes.pot course_lib/mistakes
	$(BIN)/pybabel extract $(BABEL_FLAGS) -o autograder/locale/autograder.pot autograder
	for d in course_lib/locale:course_lib course_lib/locale:mistakes autograder/locale:autograder; do \
	    dir=$${d%%:*}; domain=$${d##*:}; \
	    if [ -f $$dir/zh_CN/LC_MESSAGES/$$domain.po ]; then \
	        $(BIN)/pybabel update --no-wrap --omit-header --ignore-obsolete -D $$domain -i $$dir/$$domain.pot -d $$dir -l zh_CN; \
	    else $(BIN)/pybabel init --no-wrap -D $$domain -i $$dir/$$domain.pot -d $$dir -l zh_CN; fi; \
	    $(BIN)/pybabel compile --use-fuzzy -D $$domain -d $$dir -l zh_CN; \
	done

# Students: Jupyter Lab on build/student/, a workspace made from the release (never from
# notebooks/, which holds the solutions). The release is made again when a notebook or the
# library or the release tool changed; work already in build/student/ is kept.
# LAB_ARGS: more Lab options, e.g. LAB_ARGS="--ip=0.0.0.0 --no-browser".
# COURSE_LANG=zh-CN: the Chinese edition (build/release-zh-CN, build/student-zh-CN); the
# variable also reaches the kernels, whose messages are then in Chinese.
COURSE_LANG ?= en
SUFFIX  := $(if $(filter en,$(COURSE_LANG)),,-$(COURSE_LANG))
RELEASE := build/release$(SUFFIX)
STUDENT := build/student$(SUFFIX)
LAB_ARGS ?=

$(RELEASE)/.made: $(STAMP) $(wildcard notebooks/*/* course_lib/*.py course_lib/*/*.py autograder/*.py autograder/*/*.py)
	$(BIN)/python -m autograder release --out $(RELEASE) --lang $(COURSE_LANG)
	touch $@

lab: $(RELEASE)/.made
	$(BIN)/python -m autograder workspace --release $(RELEASE) --out $(STUDENT) --lab -- $(LAB_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/train_speed.py

clean:
	rm -rf build .pytest_cache .ruff_cache
