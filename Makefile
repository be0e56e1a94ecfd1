# The two commands of the README: `make run` (server with demo data on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test lint migrate chromium messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required (set PYTHON=python3.11)") if sys.version_info < (3, 11) else None'
	@test -x $(BIN)/python || { echo "Creating $(VENV) and installing (once)"; $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Quiet unless it fails (a failing migration prints its error and stops make).
migrate: install
	@$(BIN)/python manage.py migrate --noinput -v 0

# One ASGI process (uvicorn, reloading on changes) serves the pages, the APIs and the live streams, with the
# in-process live bus; the task worker runs beside it. seed_demo prints the banner: the URLs, the demo login, the
# demo account's identification and a fresh demo API key.
run: migrate
	@$(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)
	@LOG_FORMAT=plain $(BIN)/python manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  LOG_FORMAT=plain $(BIN)/uvicorn messenger_project.asgi:application --host $(HOST) --port $(PORT) \
	    --reload $(foreach d,agents conversations devices messenger_project templates static,--reload-dir $(d))

# Production mode locally: gunicorn (gunicorn.conf.py) serves the site and the APIs on PORT, uvicorn the live
# streams on STREAM_PORT (behind a proxy both are one origin: README, "Behind a proxy"), the task worker beside
# them. The live bus between them is Redis: set REDIS_URL (without it, the streams answer only what the stream
# process itself writes, and the pages fall back to polling for the rest).
STREAM_PORT ?= $(shell echo $$(($(PORT) + 1)))
serve: migrate
	DJANGO_DEBUG=false WHITENOISE_USE_FINDERS=false $(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Serving with gunicorn on http://$(HOST):$(PORT)/, the live streams on http://$(HOST):$(STREAM_PORT)/stream/ and the task worker beside them"
	$(BIN)/python manage.py db_worker & worker=$$!; \
	  STREAM_URL=http://$(HOST):$(STREAM_PORT) DJANGO_DEBUG=false WHITENOISE_USE_FINDERS=false \
	    $(BIN)/uvicorn messenger_project.asgi:application --host $(HOST) --port $(STREAM_PORT) --no-access-log & streams=$$!; \
	  trap 'kill $$worker $$streams 2>/dev/null' EXIT INT TERM; \
	  STREAM_URL=http://$(HOST):$(STREAM_PORT) DJANGO_DEBUG=false WHITENOISE_USE_FINDERS=false BIND=$(HOST):$(PORT) \
	    $(BIN)/gunicorn -c gunicorn.conf.py messenger_project.wsgi

# Browser tests drive Debian's chromium, never a downloaded browser.
chromium:
	@[ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Chromium: install it (e.g. apt-get install chromium) or set CHROMIUM_PATH"; exit 1; fi; }

test: install chromium
	$(BIN)/pytest $(PYTEST_ARGS)

# The desk's Dutch catalog: only the desk's code and templates (the APIs and the admin stay English). An ignored
# folder is matched by its name anywhere, so code outside the desk is left out by file pattern, not by folder.
# The agents' availability labels (agents/models.py) are the one model text the desk shows. Then fill in the
# new msgstr of locale/nl/LC_MESSAGES/django.po and `msgfmt -o ….mo ….po` (the .mo is committed).
NOT_DESK := agents/[!m]* agents/m[!o]* devices/* messenger_project/* templates/admin/* templates/conversations/* \
	conversations/client_api/* conversations/integration_api/* conversations/services/* conversations/migrations/*
messages: install
	$(BIN)/python manage.py makemessages -l nl --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=static \
	  --ignore=tests --ignore=bench $(foreach d,$(NOT_DESK),$(foreach e,py html txt,--ignore='$(d).$(e)'))

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
