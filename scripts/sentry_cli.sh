#!/usr/bin/env bash
# sentry-cli 3.x beside the 2.x that requirements-dev.txt pins into the venv: the acceptance
# tests run both (2.x has the legacy release-file commands, 3.x only debug-ID artifact bundles).
# PyPI's sentry-cli package ships the real binary; it goes into a directory of its own under
# .venv so the two versions never overwrite each other. Prints the binary's path.
# Sourced by ./test from the repository root (ensure_sentry_cli3), or run directly:
# scripts/sentry_cli.sh
SENTRY_CLI3_VERSION="3.8.2"

ensure_sentry_cli3() {
    local root="${1:-$(pwd)}"
    local target="$root/.venv/sentry-cli-$SENTRY_CLI3_VERSION"
    local binary="$target/bin/sentry-cli"
    if [ ! -x "$binary" ]; then
        "$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            --target "$target" "sentry-cli==$SENTRY_CLI3_VERSION" >&2 || return 1
    fi
    echo "$binary"
}

if [ "$(basename "$0")" = "sentry_cli.sh" ]; then
    set -euo pipefail
    ensure_sentry_cli3 "$(cd "$(dirname "$0")/.." && pwd)"
fi
