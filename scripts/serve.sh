#!/usr/bin/env bash
# Serve the app on ADDR (default 127.0.0.1:8000) and, beside it, the background worker named by
# WORKER (a command line; empty = no worker), started again after a pause (1 s, doubling up to
# 30 s) whenever it exits. With DEBUG on (`make dev`) the server is Django's dev server with its
# autoreloader; with DEBUG off (`make run`) it is gunicorn, as in production. Ctrl-C, a TERM to
# this script or the server's exit stops everything started here: each child runs in a process
# group of its own and the whole group is stopped (the autoreloader's child with its parent,
# gunicorn's workers with their master), KILLed after 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."

addr="${1:-127.0.0.1:8000}"
python="${PYTHON_BIN:-.venv/bin/python}"
case "$(printf '%s' "${DEBUG:-true}" | tr '[:upper:]' '[:lower:]')" in
  1 | true | yes | on) debug=1 ;;
  *) debug=0 ;;
esac
if [ "$debug" = 1 ]; then
  # The dev server serves each request on a thread of its own: a connection kept after the
  # request would stay behind with its thread, so it keeps none (gunicorn's threads keep theirs).
  export DATABASE_CONN_MAX_AGE="${DATABASE_CONN_MAX_AGE:-0}"
fi
set -m # job control: every background job gets a process group of its own
groups=()

alive() {
  local group
  for group in "${groups[@]}"; do
    kill -0 -- "-$group" 2>/dev/null && return 0
  done
  return 1
}

stop_all() {
  trap - INT TERM EXIT
  local group
  for group in "${groups[@]}"; do
    kill -TERM -- "-$group" 2>/dev/null || true
  done
  for _ in $(seq 100); do
    alive || return 0
    sleep 0.1
  done
  for group in "${groups[@]}"; do
    kill -KILL -- "-$group" 2>/dev/null || true
  done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

supervise_worker() {
  local child="" pause=1 started status
  trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait; exit 0' TERM INT
  while true; do
    started=$SECONDS
    $WORKER &
    child=$!
    echo "worker started (pid $child)"
    status=0
    wait "$child" || status=$?
    # A worker that ran a while before it stopped starts again at once.
    if ((SECONDS - started > 60)); then pause=1; fi
    echo "worker exited (status $status); starting it again in ${pause}s" >&2
    sleep "$pause" &
    wait $! || true
    pause=$((pause * 2 > 30 ? 30 : pause * 2))
  done
}

if [ -n "${WORKER:-}" ]; then
  echo "Starting the background worker: $WORKER"
  supervise_worker &
  groups+=("$!")
fi

# In the background so that this script's traps run as soon as a signal arrives.
if [ "$debug" = 1 ]; then
  "$python" manage.py runserver "$addr" &
  server=$!
  echo "dev server started (pid $server)"
else
  # A few threads in each of two processes: a page, its htmx requests and a progress poll at
  # once, on one small machine. Requests are logged to the terminal as the dev server's are.
  "$python" -m gunicorn outreach_site.wsgi:application --bind "$addr" \
    --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-4}" --timeout 60 \
    --graceful-timeout 5 --access-logfile - --log-level warning &
  server=$!
  echo "web server started (pid $server)"
fi
groups+=("$server")
wait "$server"
