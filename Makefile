# Two commands: `make run` and `make test` (see README).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

# With no DATABASE_URL every target runs on the embedded PostgreSQL under var/pg
# (config/embedded_db.py): started if needed and stopped afterwards if the target started it;
# `make run` always stops it on Ctrl-C. With DATABASE_URL set, that server is used as it is.
WITH_DB := $(PY) config/embedded_db.py run

.PHONY: install install-test run serve test migrate messages bench db-stop

# `make run` installs what the service needs; `make test` and `make bench` add the test tools
# (schemathesis, Playwright, the client generator…), so a first `make run` downloads less.
$(VENV)/.installed: requirements/base.txt requirements/constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/base.txt -c requirements/constraints.txt
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements/test.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/test.txt -c requirements/constraints.txt
	@touch $@

install: $(VENV)/.installed  ## venv + the service's dependencies (idempotent)

install-test: $(VENV)/.installed-test  ## + the test tools

migrate: install
	$(WITH_DB) -- $(PY) manage.py migrate --noinput

run: install  ## the database, migrate, demo data once, admin login, then web + worker + beat
	@$(WITH_DB) --stop -- $(MAKE) --no-print-directory serve

serve:  # (inside `make run`, with the database started)
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py seed_demo
	@$(PY) manage.py ensure_local_admin
	@echo "Admin:        http://127.0.0.1:$(PORT)/admin/"
	@echo "API docs:     http://127.0.0.1:$(PORT)/api/docs/"
	@echo "Health check: http://127.0.0.1:$(PORT)/healthz"
	@echo "Ctrl-C stops web, worker, beat and the database."
	WEB_PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: install-test  ## the whole suite, two processes (pytest-xdist), one test database each
	$(WITH_DB) -- $(VENV)/bin/pytest $(PYTEST_ARGS)

db-stop:  ## stop the embedded PostgreSQL if something left it running
	$(PY) config/embedded_db.py stop

messages: install  ## after adding or changing a string: update locale/*.po, then translate zh_Hans and run again
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests --ignore=bench --no-obsolete
	msgattrib --clear-fuzzy --empty --clear-previous locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po  # drop msgmerge's guesses
	msgen locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po  # English: the msgid is the text
	$(PY) manage.py compilemessages --ignore=.venv

SCALE ?= 1.0
ONLY ?=
bench: install-test  ## every benchmark on PostgreSQL, one table (bench/README.md): make bench [SCALE=1.0] [ONLY=settlement,credit] [BENCH_ARGS=--strict]
	$(WITH_DB) -- $(PY) -m bench.run --scale $(SCALE) $(if $(ONLY),--only $(ONLY)) $(BENCH_ARGS)
