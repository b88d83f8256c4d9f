# Keras Model Wars: a few verbs. Each one installs what it needs first.
#   make lab         start JupyterLab on course/ (students, self-paced learners; MODE=graded turns hints off)
#   make instructor  start JupyterLab at the course root, with nbgrader's formgrader
#   make classroom   start a local JupyterHub for an instructor and STUDENTS students (nbgrader's exchange included)
#   make test        run the whole test suite, browser tests included (installs Debian's chromium-headless-shell if missing)
#   make test-fast   run the tests that need neither a browser nor stock nbgrader end to end (about 2 minutes)
#   make lint        check the code with ruff (lint and import order)
#   make release     regenerate course/ from source/ with stock nbgrader
#   make strip       strip outputs from the instructor notebooks

VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
PORT   ?= 8888
# how many students `make classroom` lets in (student1, student2, ...), besides the instructor
STUDENTS ?= 3
# MODE=graded turns hints off in the notebooks (check() and progress() still run visible tests only).
MODE   ?= self-paced
# Chromium's headless shell (Debian's chromium-headless-shell), as Playwright drives headless Chromium by default.
CHROMIUM ?= /usr/bin/chromium-headless-shell
export CHROMIUM
# Jupyter refuses to run as root without this flag (containers, CI).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
# nbgrader calls alembic from PATH, and kernels must find the venv's python: put its bin first.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: install proxy nodejs chromium lab instructor classroom test test-fast lint release strip data

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# JupyterHub's proxy (configurable-http-proxy), at the version package-lock.json pins, into node_modules/
node_modules/.installed: package.json package-lock.json | nodejs
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# npm and Node.js 18 or newer, for the proxy: Debian's packages when missing (as root)
nodejs:
	@if ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
		else \
			echo "make classroom needs Node.js and npm: sudo apt-get install nodejs npm" >&2; exit 1; \
		fi; \
	fi

# The Python packages: all that the lessons, grading and most tests need.
install: $(VENV)/.installed
# JupyterHub's proxy, for `make classroom` and its browser test only: a student needs no Node.js.
proxy: node_modules/.installed

# Students: JupyterLab on course/, with nbgrader's Validate button. Headless-safe: prints the URL to open.
lab: install
	MODEL_WARS_MODE=$(MODE) $(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) \
		--ServerApp.root_dir=course $(ALLOW_ROOT)

# Instructors: JupyterLab at the course root, with nbgrader's formgrader (Nbgrader > Formgrader). The formgrader
# lists the lessons the gradebook knows: `register` puts any lesson it lacks there first (course/ stays as it is).
instructor: install
	$(PY) -m autograder register
	MODEL_WARS_MODE=$(MODE) $(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) \
		--ServerApp.root_dir=. $(ALLOW_ROOT)

# A class on this machine: JupyterHub on 127.0.0.1:$(PORT) (8000 unless given) for an instructor and STUDENTS students,
# all as this system user. The instructor's JupyterLab runs at the course root with the formgrader, each student's in
# classroom/users/<name>/; nbgrader's exchange is grading/exchange. Prints each user's log-in page and password.
classroom: install proxy
	MODEL_WARS_MODE=$(MODE) $(PY) -m autograder.classroom --port=$(if $(filter file,$(origin PORT)),8000,$(PORT)) \
		--students=$(STUDENTS)

# The browser tests drive Debian's Chromium headless shell (Playwright cannot download its own browser here).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell; \
		else \
			echo "The browser tests need Debian's Chromium headless shell: sudo apt-get install chromium-headless-shell" >&2; exit 1; \
		fi; \
	fi

test: install proxy chromium
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=20

# Everything but the browser, classroom and stock-nbgrader pipeline tests (markers in pyproject.toml).
test-fast: install
	$(PY) -m pytest --fast -n auto -m "not pipeline and not browser and not classroom"

lint: install
	$(VENV)/bin/ruff check .

release: install
	for lesson in $$(ls source); do \
		$(VENV)/bin/nbgrader generate_assignment $$lesson --force --log-level=WARN || exit 1; \
	done

strip: install
	$(VENV)/bin/nbstripout --keep-id source/*/*.ipynb

data: install
	$(PY) scripts/make_data.py
