# Developer and CI entry points. Everything runs from the project's own .venv.
#
#   make run      install, migrate, seed demo data, serve on 127.0.0.1:PORT
#                 (with the background worker that sends notification emails)
#   make test     lint, then the whole test suite on SQLite and on PostgreSQL
#   make lint     ruff check + ruff format --check
#   make format   ruff format + ruff check --fix
#   make clean    remove .venv, staticfiles/ and .pgtest/
#   make lock     rewrite requirements.lock from pyproject.toml (UPGRADE=1: newest
#                 releases the ranges allow, instead of keeping the locked ones)
#   make backup   save the database (pg_dump, or an SQLite copy) and the uploaded
#                 files to backups/
#   make restore FILE=backups/forum-<stamp>.dump   put a backup in its place
#   make serve    the production setup locally: gunicorn, whitenoise, the worker
#   make stack    the production stack locally on PORT: nginx, gunicorn, PostgreSQL,
#                 Redis, the worker and the timers' jobs (stopped with Ctrl-C)
#   make bench    bench-search (search latency, 100,000 posts) and bench-pages
#                 (every page with wrk, 1,000,000 posts; see BENCH_* below)
#
# Variables: PORT (default 8000), ARGS (extra pytest arguments, e.g.
# ARGS='-k thread -x'), TEST_WORKERS (default: cores + 1), REQUIRE_POSTGRES=1
# (fail instead of skipping the PostgreSQL run when no server can be started),
# PYTHON (default python3).
#
# Installs come from requirements.lock: exact versions with their hashes (runtime
# and dev dependencies, Python 3.11 on Linux x86_64), then the project itself.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 8000
ARGS ?=
REQUIRE_POSTGRES ?=

VENV := .venv
PY := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff
STAMP := $(VENV)/.installed
# One worker more than there are cores: the browser tests spend most of their time
# waiting for the browser's next frame, and the extra worker uses the idle core.
# worksteal: an idle worker takes tests queued for a busy one, so the run does not
# end with one worker alone on its share of the slow browser tests.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
PYTEST := $(PY) -m pytest -p tests.report_plugin -n $(TEST_WORKERS) --dist worksteal \
	--durations=10
WITH_PG := bash scripts/with-postgres

# Prints the banner for the PostgreSQL run (password, if any, removed from the URL)
# and then runs the command it is given.
PG_BANNER := u="$$DATABASE_URL"; \
	if [[ $$u =~ ^([^:/]+://[^:/@]*):[^@]*@(.*)$$ ]]; then u="$${BASH_REMATCH[1]}@$${BASH_REMATCH[2]}"; fi; \
	echo "== Test suite on PostgreSQL ($$u), browser and no-database tests aside =="; exec "$$@"

.PHONY: help install run test lint format clean backup restore

help:
	@sed -n '3,26s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml or the lock is newer than the stamp. Every
# package is checked against the lock's hashes; the project itself adds no package.
$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(VENV)/bin/pip install --require-hashes -r requirements.lock
	$(VENV)/bin/pip install --no-deps -e .
	@touch $@

# uv resolves the lock in a throwaway environment, so the project's .venv holds only
# what the lock names. Without UPGRADE=1 the versions already locked are kept and
# only what pyproject.toml no longer allows (or newly asks for) changes.
UV_VERSION := 0.13.9
UPGRADE ?=

.PHONY: lock
lock:
	@tool=$$(mktemp -d); trap 'rm -rf "$$tool"' EXIT; \
	$(PYTHON) -m venv "$$tool" && \
	"$$tool/bin/pip" install -q "uv==$(UV_VERSION)" && \
	"$$tool/bin/uv" pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
		--custom-compile-command 'make lock' --quiet $(if $(UPGRADE),--upgrade) \
		--output-file requirements.lock

# The browser tests' accessibility checker (axe-core, pinned in package-lock.json).
# Installed with `npm ci` when npm exists; without it the accessibility tests skip
# (and fail under CI=true).
NODE_STAMP := node_modules/.package-lock.json

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund; \
	else \
		echo "npm not found: the accessibility tests will skip (apt-get install npm)"; \
	fi

# The French interface: .po files are kept in the repository and compiled here
# (GNU gettext's msgfmt; apt-get install gettext).
MO := locale/fr/LC_MESSAGES/django.mo

$(MO): locale/fr/LC_MESSAGES/django.po | $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

install: $(STAMP) $(NODE_STAMP) $(MO)

# The background worker (notification emails, the daily digest) runs beside the
# server and stops with it; emails are printed in this terminal. The scheduled
# jobs run in a loop beside it, as the timers of deploy/ run them: every minute,
# dialogues past their closing time get their lock written (close_dialogues) and
# the digests whose hour has come are queued (send_digests); once a day, expired
# sessions are deleted (clearsessions), and so are uploads never attached to a post
# after ATTACHMENTS_UNATTACHED_DAYS (delete_unattached_uploads). A job that fails logs its traceback; the
# loop goes on.
# The database, its backups, the file cache (sessions) and the secret key are
# readable by their owner only: the recipes that write them run under umask 077,
# and files an older checkout made readable by others are closed.
PRIVATE_FILES := db.sqlite3 db.sqlite3-wal db.sqlite3-shm .serve-secret-key .cache backups
CLOSE_PRIVATE := umask 077; for f in $(PRIVATE_FILES); do [ -e "$$f" ] && chmod -R go-rwx "$$f"; done; true

# $(call JOBS,<python>) is that loop.
JOBS = minutes=0; while true; do \
	$(1) manage.py close_dialogues >/dev/null; \
	$(1) manage.py send_digests >/dev/null; \
	if [ $$(( minutes % 1440 )) -eq 0 ]; then $(1) manage.py clearsessions; \
		$(1) manage.py delete_unattached_uploads >/dev/null; fi; \
	minutes=$$(( minutes + 1 )); sleep 60; done

# Links in emails point at the server this starts.
BASE_URL := http://127.0.0.1:$(PORT)

run: $(STAMP) $(MO)
	@$(CLOSE_PRIVATE)
	umask 077; $(PY) manage.py migrate
	umask 077; $(PY) manage.py seed_demo
	@umask 077; export FORUM_BASE_URL=$(BASE_URL) \
		DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev}; \
	$(PY) manage.py db_worker --interval 1 --no-reload & worker=$$!; \
	{ $(call JOBS,$(PY)); } & jobs=$$!; \
	trap 'kill $$worker $$jobs 2>/dev/null; wait $$worker $$jobs 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

LINT := $(RUFF) check . && $(RUFF) format --check .

lint: $(STAMP)
	$(LINT)

format: $(STAMP)
	$(RUFF) format .
	$(RUFF) check --fix .

# Both runs always happen; the target fails if either fails. Each part's time and
# the total are printed at the end. Two kinds of test run in the SQLite run only:
# "browser" (they check what the page does in Chromium, the same over either
# database, and the views they drive have their own tests through Django's test
# client, which run on both) and "no_database" (they never touch it). Run twice,
# they took `make test` past ten minutes.
test: $(STAMP) $(NODE_STAMP) $(MO)
	@status=0; started=$$SECONDS; times=(); \
	took() { local s=$$(( SECONDS - $$2 )); times+=("$$(printf '%-12s %dm%02ds' "$$1" $$((s / 60)) $$((s % 60)))"); }; \
	summary() { echo; echo "== Time =="; printf '  %s\n' "$${times[@]}"; }; \
	echo "== Lint =="; part=$$SECONDS; \
	$(LINT) || { took lint $$part; summary; exit 1; }; \
	took lint $$part; \
	echo; echo "== Test suite on SQLite =="; part=$$SECONDS; \
	env -u DATABASE_URL $(PYTEST) $(ARGS) || status=1; \
	took SQLite $$part; \
	echo; part=$$SECONDS; \
	if $(WITH_PG) --check; then \
		$(WITH_PG) bash -c '$(PG_BANNER)' pg-tests $(PYTEST) -m 'not browser and not no_database' $(ARGS) || status=1; \
		took PostgreSQL $$part; \
	elif [ "$(REQUIRE_POSTGRES)" = 1 ]; then \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2; \
		echo "!! PostgreSQL not available and REQUIRE_POSTGRES=1: FAILING." >&2; \
		echo "!! Install the server (apt-get install postgresql) or set DATABASE_URL." >&2; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2; \
		status=1; \
	else \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!! PostgreSQL not available: skipped (the suite ran on SQLite only)."; \
		echo "!! Install the server (apt-get install postgresql) or set DATABASE_URL;"; \
		echo "!! REQUIRE_POSTGRES=1 turns this into a failure."; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi; \
	took total $$started; summary; echo; \
	if [ $$status -eq 0 ]; then echo "== Test suite passed =="; else echo "== Test suite FAILED ==" >&2; fi; \
	exit $$status

# DATABASE_URL as the app reads it; see scripts/backup and scripts/restore.
backup: $(STAMP)
	bash scripts/backup

restore: $(STAMP)
	@[ -n "$(FILE)" ] || { echo "usage: make restore FILE=backups/forum-<timestamp>.dump" >&2; exit 2; }
	bash scripts/restore "$(FILE)"

clean:
	@for pidfile in .pgtest/*/data/postmaster.pid; do \
		[ -f "$$pidfile" ] && kill -QUIT "$$(head -n 1 "$$pidfile")" 2>/dev/null; \
	done; true
	rm -rf $(VENV) staticfiles .pgtest

# Benchmarks, each on a throwaway PostgreSQL server (or BENCH_DATABASE_URL, which
# must hold no posts) with gunicorn and the production settings, and a throwaway
# Redis when redis-server exists. bench-search: search latency over
# BENCH_TOPICS x BENCH_POSTS_PER_TOPIC posts (1,000 x 100). bench-pages: every
# page (wrk), cold deep pages, posting, the bare-Django ceiling and page weight,
# over BENCH_PAGES_TOPICS x BENCH_POSTS_PER_TOPIC posts (10,000 x 100 = 1,000,000)
# plus a topic of BENCH_LONG_TOPIC posts and a category of BENCH_BIG_CATEGORY topics.
BENCH_TOPICS ?= 1000
BENCH_POSTS_PER_TOPIC ?= 100
BENCH_PAGES_TOPICS ?= 10000
BENCH_LONG_TOPIC ?= 10000
BENCH_BIG_CATEGORY ?= 100000
BENCH_DATABASE_URL ?=
BENCH_ENV = env -u DJANGO_DEBUG DATABASE_URL="$(BENCH_DATABASE_URL)" \
	DJANGO_SETTINGS_MODULE=config.settings.base DJANGO_LOCAL_HTTP=1 \
	FORUM_BASE_URL=http://127.0.0.1:8000 \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
BENCH_SETUP = $(PY) manage.py collectstatic --noinput -v0; \
	$(PY) manage.py migrate --noinput -v0

.PHONY: bench bench-search bench-pages
bench: bench-search bench-pages

bench-search: $(STAMP) $(MO)
	$(BENCH_ENV) $(WITH_PG) bash scripts/with-redis bash -c 'set -e; $(BENCH_SETUP); \
		$(PY) manage.py seed_bench --topics $(BENCH_TOPICS) \
			--posts-per-topic $(BENCH_POSTS_PER_TOPIC); \
		$(PY) bench/search.py'

bench-pages: $(STAMP) $(MO)
	@command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }
	$(BENCH_ENV) $(WITH_PG) bash scripts/with-redis bash -c 'set -e; $(BENCH_SETUP); \
		$(PY) manage.py seed_bench --topics $(BENCH_PAGES_TOPICS) \
			--posts-per-topic $(BENCH_POSTS_PER_TOPIC) \
			--long-topic-posts $(BENCH_LONG_TOPIC) \
			--big-category-topics $(BENCH_BIG_CATEGORY); \
		$(PY) manage.py seed_demo; \
		$(PY) bench/pages.py'

# The production setup, locally: production settings (DEBUG off), gunicorn with
# SERVE_WORKERS sync workers, whitenoise serving compressed, fingerprinted static
# files with far-future cache headers, the background worker and the scheduled
# jobs' loop beside it. Plain HTTP on 127.0.0.1:PORT (DJANGO_LOCAL_HTTP=1, links
# in emails to it); the secret key is made once and kept in .serve-secret-key.
# DATABASE_URL and REDIS_URL are used when set.
SERVE_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))

.PHONY: serve
serve: $(STAMP) $(MO)
	@$(CLOSE_PRIVATE)
	@umask 077; [ -s .serve-secret-key ] || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > .serve-secret-key
	@umask 077; export DJANGO_SETTINGS_MODULE=config.settings.base DJANGO_LOCAL_HTTP=1 \
		DJANGO_SECRET_KEY="$$(cat .serve-secret-key)" FORUM_BASE_URL=$(BASE_URL); \
	env -u DJANGO_DEBUG $(PY) manage.py collectstatic --noinput -v0 && \
	env -u DJANGO_DEBUG $(PY) manage.py migrate --noinput && \
	env -u DJANGO_DEBUG $(PY) manage.py seed_demo && \
	{ env -u DJANGO_DEBUG $(PY) manage.py db_worker --no-reload & worker=$$!; \
	  { $(call JOBS,env -u DJANGO_DEBUG $(PY)); } & jobs=$$!; \
	  trap 'kill $$worker $$jobs 2>/dev/null; wait $$worker $$jobs 2>/dev/null' EXIT INT TERM; \
	  echo "Serving the production setup on http://127.0.0.1:$(PORT) ($(SERVE_WORKERS) workers)"; \
	  env -u DJANGO_DEBUG $(PY) -m gunicorn config.wsgi:application \
		--workers $(SERVE_WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile -; }

# The production stack, locally, as throwaway processes that stop with it: nginx on
# 127.0.0.1:PORT (the shipped deploy/nginx server block, plain HTTP) in front of
# gunicorn with the production settings, a throwaway PostgreSQL and Redis (or those
# of DATABASE_URL and REDIS_URL), the worker and the timers' jobs (scripts/stack).
.PHONY: stack
stack: $(STAMP) $(MO)
	PORT=$(PORT) $(WITH_PG) bash scripts/with-redis bash scripts/stack
