"""`make run`'s scripts/serve.sh: the dev server and a supervised worker. A killed worker is
started again; a TERM to the script leaves no process it started behind (the dev server's
autoreloader child included); on PostgreSQL the dev server holds a handful of connections
however many requests it serves.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from tests.reliability.test_deploy import ROOT

SERVE = ROOT / "scripts" / "serve.sh"
PYTHON = ROOT / ".venv" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dev_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(DJANGO_SETTINGS_MODULE="outreach_site.settings", DEBUG="1", LOG_LEVEL="WARNING")
    env.update(extra)
    return env


def processes() -> dict[int, tuple[int, int]]:
    """Every process: pid → (parent pid, process group)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return found


def family(root: int) -> set[int]:
    """`root`, its descendants and every process in their process groups."""
    table = processes()
    members = {root}
    grew = True
    while grew:
        groups = {table[pid][1] for pid in members if pid in table}
        more = {
            pid
            for pid, (parent, group) in table.items()
            if parent in members or (group in groups and group != table.get(root, (0, 0))[1])
        }
        grew = not more <= members
        members |= more
    return members


def alive(pids: set[int]) -> set[int]:
    table = processes()
    # A zombie has exited; only its parent has yet to read its status.
    return {pid for pid in pids if pid in table and "(Z)" not in stat_state(pid)}


def stat_state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "(Z)"
    return f"({stat[stat.rindex(')') + 2]})"


def wait_for(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{log.read_text()}"
        time.sleep(0.1)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        conn.close()


class Served:
    """scripts/serve.sh running in a session of its own, its output in a file."""

    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.port = free_port()
        self.log = tmp_path / "serve.log"
        self.process = subprocess.Popen(
            [str(SERVE), f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: get(self.port, "/healthz") == 200, 60, "the dev server", self.log)

    def worker_pids(self) -> list[int]:
        started = re.findall(r"worker started \(pid (\d+)\)", self.log.read_text())
        return [int(pid) for pid in started]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def migrated_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=dev_env(DATABASE_URL=url),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return url


def test_a_killed_worker_is_started_again_and_a_term_leaves_nothing_behind(
    tmp_path, migrated_sqlite
):
    env = dev_env(
        DATABASE_URL=migrated_sqlite,
        WORKER=f"{PYTHON} manage.py worker --no-startup-delay --interval 0.2",
    )
    served = Served(tmp_path, env)
    try:
        wait_for(lambda: served.worker_pids(), 20, "the worker", served.log)
        first = served.worker_pids()[0]
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: len(served.worker_pids()) == 2, 20, "a new worker", served.log)
        second = served.worker_pids()[1]
        assert second != first
        assert alive({second}) == {second}
        assert "worker exited (status 137)" in served.log.read_text()

        started = family(served.process.pid)
        # The dev server runs under its autoreloader (DEBUG): a parent and a serving child.
        runservers = [pid for pid in started if b"runserver" in cmdline(pid)]
        assert len(runservers) == 2, served.log.read_text()
        assert second in started

        served.process.send_signal(signal.SIGTERM)
        served.process.wait(timeout=20)
        wait_for(lambda: not alive(started), 15, "every process to stop", served.log)
        assert get(served.port, "/healthz") == 0
    finally:
        served.stop()


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# --- connections -----------------------------------------------------------------------------


def backends(dbname: str) -> int:
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        autocommit=True,
    ) as admin:
        return admin.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s", [dbname]
        ).fetchone()[0]


# The worker's connection, the one being served and a health check's, with room to spare.
HANDFUL = 6
PARALLEL = 16


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_dev_server_holds_a_handful_of_connections_whatever_the_traffic(tmp_path, token):
    settings = connection.settings_dict
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    url = f"postgres://{auth}@{host}:{port}/{settings['NAME']}"
    connection.close()  # the test's own connection is not counted
    env = dev_env(
        DATABASE_URL=url,
        WORKER=f"{PYTHON} manage.py worker --no-startup-delay --interval 0.2",
    )
    served = Served(tmp_path, env)
    peak = [0]
    watching = threading.Event()

    def watch() -> None:
        while not watching.is_set():
            peak[0] = max(peak[0], backends(settings["NAME"]))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    headers = {"Authorization": f"Token {token.key}"}
    try:
        watcher.start()
        # One client after another, as the issue's: each request's connection is closed.
        for _ in range(60):
            assert get(served.port, "/api/outreaches", headers) == 200
        assert peak[0] <= HANDFUL, peak[0]

        # Many at once: one connection per request in flight, all closed when they end.
        with ThreadPoolExecutor(PARALLEL) as pool:
            statuses = list(
                pool.map(lambda _: get(served.port, "/api/outreaches", headers), range(120))
            )
        assert set(statuses) == {200}
        assert peak[0] <= PARALLEL + HANDFUL, peak[0]
        wait_for(
            lambda: backends(settings["NAME"]) <= 2,
            5,
            "the connections to close",
            served.log,
        )
    finally:
        watching.set()
        watcher.join()
        served.stop()


# --- make run: DEBUG off, gunicorn ----------------------------------------------------------


def run_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What `make run` sets (the Makefile), with its files in tmp_path."""
    env = dev_env(
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECRET_KEY_FILE=str(tmp_path / ".secret_key"),
        SECRETS_KEY_FILE=str(tmp_path / ".secrets_key"),
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
    )
    env.update(extra)
    return env


def body(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def test_with_debug_off_it_serves_as_production_does_on_loopback(tmp_path):
    env = run_env(tmp_path, WORKER="")
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run(
            [str(PYTHON), "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
    served = Served(tmp_path, env)
    try:
        started = family(served.process.pid)
        lines = [cmdline(pid) for pid in started]
        assert not any(b"runserver" in line for line in lines), served.log.read_text()
        assert sum(b"gunicorn" in line for line in lines) >= 2  # a master and its workers

        # Plain http on loopback: the login page, not a redirect to https.
        status, page = body(served.port, "/login/")
        assert status == 200 and "Log in" in page
        # The product's 404, not Django's debug page listing every URL.
        status, page = body(served.port, "/no/such/page/")
        assert status == 404
        assert "Page not found" in page and "URLconf" not in page
        # Static files through whitenoise, under their hashed names.
        stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, page
        assert get(served.port, stylesheet.group(1)) == 200

        served.process.send_signal(signal.SIGTERM)
        served.process.wait(timeout=20)
        wait_for(lambda: not alive(started), 15, "every process to stop", served.log)
    finally:
        served.stop()
