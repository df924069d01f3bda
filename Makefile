# Two commands: `make run` and `make test` (see README).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: install run test migrate messages bench

$(VENV)/.installed: requirements/base.txt requirements/test.txt requirements/constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/test.txt -c requirements/constraints.txt
	@touch $@

install: $(VENV)/.installed  ## venv + dependencies (idempotent)

migrate: install
	$(PY) manage.py migrate --noinput

run: migrate  ## migrate, demo data once, admin login, then web + worker + beat
	@$(PY) manage.py seed_demo
	@$(PY) manage.py ensure_local_admin
	@echo "Admin:        http://127.0.0.1:$(PORT)/admin/"
	@echo "API docs:     http://127.0.0.1:$(PORT)/api/docs/"
	@echo "Health check: http://127.0.0.1:$(PORT)/healthz"
	@echo "Ctrl-C stops web, worker and beat."
	WEB_PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: install  ## the whole suite
	$(VENV)/bin/pytest $(PYTEST_ARGS)

messages: install  ## after adding or changing a string: update locale/*.po, then translate zh_Hans and run again
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests --ignore=bench --no-obsolete
	msgattrib --clear-fuzzy --empty --clear-previous locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po  # drop msgmerge's guesses
	msgen locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po  # English: the msgid is the text
	$(PY) manage.py compilemessages --ignore=.venv

SCALE ?= 1.0
ONLY ?=
bench: install  ## every benchmark on PostgreSQL, one table (bench/README.md): make bench [SCALE=1.0] [ONLY=settlement,credit] [BENCH_ARGS=--strict]
	$(PY) -m bench.run --scale $(SCALE) $(if $(ONLY),--only $(ONLY)) $(BENCH_ARGS)
