# The portal's commands. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := partnership.settings

.PHONY: run test lint format serve worker beat bench messages clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Links in e-mails point at the port served, unless SITE_URL says otherwise. The periodic sweeps
# (reminders, retries, survey reminders) run beside the server, as Beat runs them in production, and
# stop with it.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py run_sweeps & sweeps=$$!; trap 'kill $$sweeps 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

serve: $(VENV)/.installed
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py migrate --no-input
	$(VENV)/bin/gunicorn -c gunicorn.conf.py partnership.wsgi:application --bind 127.0.0.1:$(PORT) --workers $${WEB_CONCURRENCY:-2} --access-logfile -

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A partnership worker --loglevel=INFO --concurrency=$${WORKER_CONCURRENCY:-2}

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A partnership beat --loglevel=INFO

bench: $(VENV)/.installed-dev
	$(PY) -m bench.run $(BENCH_ARGS)

# The .po files in locale/ are the source of the translations: refresh them from the code's texts, compile them,
# then check that every text is translated, none is fuzzy, and the .mo files are the compiled .po files.
messages: $(VENV)/.installed-dev
	$(PY) manage.py makemessages -l hr -l it --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=locale --ignore=media --ignore=docs
	$(PY) manage.py compilemessages --ignore=.venv
	$(PY) -m pytest tests/test_translations.py -q -p no:randomly

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
