# Keras Model Wars: a few verbs. Each one installs what it needs first.
#   make lab       start JupyterLab on the course (students, self-paced learners)
#   make test      run the whole test suite
#   make release   regenerate course/ from source/ with stock nbgrader
#   make strip     strip outputs from the instructor notebooks

VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
PORT   ?= 8888
# nbgrader calls alembic from PATH, and kernels must find the venv's python: put its bin first.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: install lab instructor test release strip data

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Headless-safe: prints the URL to open, needs no display.
lab: install
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) --ServerApp.root_dir=course

# The instructor's view: the course root, with nbgrader's formgrader.
instructor: install
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) --ServerApp.root_dir=.

test: install
	$(PY) -m pytest

release: install
	for lesson in $$(ls source); do \
		$(VENV)/bin/nbgrader generate_assignment $$lesson --force --log-level=WARN || exit 1; \
	done

strip: install
	$(VENV)/bin/nbstripout --keep-id source/*/*.ipynb

data: install
	$(PY) scripts/make_data.py
