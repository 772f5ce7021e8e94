#!/usr/bin/env bash
# Production parity check (run by ./test): build a virtualenv from requirements.txt ALONE, outside
# .venv (whose test packages can hide a missing runtime dependency), and run the README's
# PostgreSQL + Redis deployment from it (scripts/prod_parity.py).
#
# The venv is cached by the hash of requirements.txt and the Python version, so a repeat run
# only runs the check. Needs PostgreSQL and Redis running (./test starts them).
#   PARITY_CACHE_DIR      where the venvs are kept (default ~/.cache/bugsink-prod-parity)
#   PARITY_REDIS_URL      the Redis database it flushes and uses (default redis://127.0.0.1:6379/12)
#   PARITY_PG_ADMIN_DSN   a role that may create databases (default postgres@127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
cache="${PARITY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bugsink-prod-parity}"
digest="$( { cat requirements.txt; "$python" -VV; } | sha256sum | cut -c1-16)"
venv="$cache/venv-$digest"
mkdir -p "$cache"

# One builder at a time (several checkouts on one machine share the cache); a venv is used only
# once its build completed.
(
    flock 9
    if [ ! -f "$venv/.complete" ]; then
        echo "prod-parity: building a requirements.txt-only venv in $venv ..."
        rm -rf "$venv"
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
        touch "$venv/.complete"
        # Venvs of requirements no checkout has used for a week go.
        find "$cache" -maxdepth 1 -name 'venv-*' -mtime +7 -exec rm -rf {} +
    fi
    touch "$venv"
) 9>"$cache/build.lock"

# Two checks at once on one machine would share (and flush) the same Redis database: take turns.
redis_url="${PARITY_REDIS_URL:-redis://127.0.0.1:6379/12}"
lock="$cache/run-$(printf '%s' "$redis_url" | sha256sum | cut -c1-12).lock"
exec 8>"$lock"
flock 8
"$venv/bin/python" scripts/prod_parity.py --redis-url "$redis_url" "$@"
