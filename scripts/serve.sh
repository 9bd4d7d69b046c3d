#!/usr/bin/env bash
# Serve the app on ADDR (default 127.0.0.1:8000) and, beside it, the background worker named by
# WORKER (a command line; empty = no worker). Ctrl-C, a TERM to this script or the server's exit
# stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

addr="${1:-127.0.0.1:8000}"
python="${PYTHON_BIN:-.venv/bin/python}"
pids=()

stop_all() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

if [ -n "${WORKER:-}" ]; then
  echo "Starting the background worker: $WORKER"
  $WORKER &
  pids+=("$!")
fi

# In the background so that this script's traps run as soon as a signal arrives.
"$python" manage.py runserver "$addr" &
server=$!
pids+=("$server")
wait "$server"
