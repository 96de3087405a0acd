# Haven. `make run` and `make test` need only Python 3.11+; everything else is installed here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test lint format bench check-deploy clean

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

## run: migrate the SQLite database under var/, create keys and the demo account, serve
##      (with a background worker beside the server)
run: $(STAMP)
	HAVEN_ENV=$${HAVEN_ENV:-development} $(PY) manage.py migrate --noinput
	HAVEN_ENV=$${HAVEN_ENV:-development} $(PY) manage.py create_keys --if-missing
	HAVEN_ENV=$${HAVEN_ENV:-development} $(PY) manage.py create_demo_staff
	HAVEN_ENV=$${HAVEN_ENV:-development} $(PY) manage.py start_scheduled_tasks
	@echo "Haven is starting on http://127.0.0.1:$(PORT)/ (staff: http://127.0.0.1:$(PORT)/staff/)"
	@echo "A background worker runs beside it; notices go to var/notices.log, nothing is sent."
	HAVEN_ENV=$${HAVEN_ENV:-development} $(PY) manage.py db_worker --interval 2 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  HAVEN_ENV=$${HAVEN_ENV:-development} $(PY) manage.py runserver --noreload 127.0.0.1:$(PORT)

## test: the whole suite, in TEST_WORKERS processes at once (pytest-xdist; `auto`, the default, is
##       one per core, at most 4; TEST_WORKERS=0 runs it in this one process). The browser tests
##       need /usr/bin/chromium; .ci/run installs it.
##       --maxschedchunk 1: a worker is given the next test as it finishes one, in pytest's
##       order. By default it is given runs of tests by count, and the slow ones (the browser's)
##       sit together: one worker got them all and ran 10 minutes, the other stopped after 3.5.
##       (--dist worksteal balances as well, but a worker that steals runs what it takes out of
##       that order, which pytest-django sets so that the tests that empty the database, the
##       browser's among them, come after those that expect it as the migrations left it.)
TEST_WORKERS ?= auto
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --maxschedchunk 1 $(PYTEST_ARGS)

## lint: ruff, mypy, and the apps' import contracts (pyproject.toml, [tool.importlinter])
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	HAVEN_ENV=test $(VENV)/bin/mypy haven
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## bench: measured speed of the submission path (figures go in docs/PERFORMANCE.md)
bench: $(STAMP)
	HAVEN_ENV=test $(PY) benchmarks/submission.py

## check-deploy: Django's deployment checks with production settings
check-deploy: $(STAMP)
	$(PY) scripts/check_deploy.py

clean:
	rm -rf $(VENV) var
