#!/usr/bin/env bash
# Serve the app on ADDR (default 127.0.0.1:8000) and, beside it, the background worker named by
# WORKER (a command line; empty = no worker). Ctrl-C or the server's exit stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

addr="${1:-127.0.0.1:8000}"
python="${PYTHON_BIN:-.venv/bin/python}"
worker_pid=""

stop_worker() {
  if [ -n "$worker_pid" ] && kill -0 "$worker_pid" 2>/dev/null; then
    kill "$worker_pid" 2>/dev/null || true
    wait "$worker_pid" 2>/dev/null || true
  fi
}
trap stop_worker EXIT
trap 'exit 130' INT TERM

if [ -n "${WORKER:-}" ]; then
  echo "Starting the background worker: $WORKER"
  $WORKER &
  worker_pid=$!
fi

"$python" manage.py runserver "$addr"
