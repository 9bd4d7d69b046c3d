"""Timeouts: a PostgreSQL server that accepts connections and never answers (a black hole)
cannot hold a request: /healthz answers 503 "timeout" within 2 s, other requests fail after the
connect timeout. Web requests, and only they, run under DATABASE_STATEMENT_TIMEOUT.
"""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.test import Client

from core import health
from tests.reliability.test_deploy import ROOT


@contextlib.contextmanager
def black_hole():
    """A loopback port that accepts TCP connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.05)
    accepted: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stopping.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


@contextlib.contextmanager
def database_at(port: int):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_that_never_answers_is_a_fast_503(api):
    connect_timeout = connection.settings_dict["OPTIONS"]["connect_timeout"]
    assert connect_timeout == django_settings.DATABASE_CONNECT_TIMEOUT <= 5
    with black_hole() as port, database_at(port):
        response, elapsed = timed(lambda: Client().get("/healthz"))
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "database": "timeout"}
        assert response["Retry-After"] == "5"
        assert elapsed < 2

        response, elapsed = timed(lambda: api.get("/api/outreaches"))
        assert response.status_code == 503
        assert response.json() == {"detail": "The database is unavailable; try again shortly."}
        assert connect_timeout - 0.5 < elapsed < connect_timeout + 1.5
    # Back: no restart needed.
    assert Client().get("/healthz").json() == {"status": "ok", "database": "ok"}


def test_healthz_stops_waiting_for_a_check_that_hangs(client, db, monkeypatch):
    """The deadline holds whatever the database does (here: a check that never returns)."""
    released = threading.Event()

    class Hanging:
        def cursor(self):
            released.wait(5)
            raise OperationalError("too late")

        def close(self):
            pass

    monkeypatch.setattr(health, "_probe_connection", lambda alias: Hanging())
    monkeypatch.setattr(health, "HEALTH_DEADLINE_SECONDS", 0.2)
    try:
        response, elapsed = timed(lambda: client.get("/healthz"))
    finally:
        released.set()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "timeout"}
    assert elapsed < 1


def test_healthz_checks_on_a_connection_of_its_own_and_closes_it(client, db, monkeypatch):
    opened = []
    real = health._probe_connection

    def probe(alias):
        opened.append(real(alias))
        return opened[-1]

    monkeypatch.setattr(health, "_probe_connection", probe)
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    assert len(opened) == 1
    assert opened[0] is not connection
    # Closed after the check (Django keeps SQLite's in-memory test database open).
    assert opened[0].connection is None or opened[0].is_in_memory_db()
    if connection.vendor == "postgresql":
        options = opened[0].settings_dict["OPTIONS"]
        assert options["connect_timeout"] == 2
        assert options["options"] == "-c statement_timeout=1000"


def show_statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_web_requests_run_under_the_statement_timeout_and_nothing_else_does(client, settings):
    # This thread's connection may have served earlier tests' requests: start as a command does.
    connection.limit_statements(0)
    connection.close()
    try:
        assert show_statement_timeout() == "0"  # a command (migrate, the bench), the worker
        assert client.get("/healthz").status_code == 200
        assert show_statement_timeout() == "30s"  # the default

        settings.DATABASE_STATEMENT_TIMEOUT = 1
        client.get("/healthz")
        assert show_statement_timeout() == "1s"
        with (
            pytest.raises(OperationalError, match="statement timeout"),
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT pg_sleep(3)")
        connection.close()
        assert show_statement_timeout() == "1s"  # a reopened connection keeps it

        # Another thread that serves no request (as the worker's) has no limit.
        seen = []

        def elsewhere():
            try:
                seen.append(show_statement_timeout())
            finally:
                connection.close()

        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        assert seen == ["0"]
    finally:
        connection.limit_statements(0)
        connection.close()


def test_connection_settings_come_from_the_environment():
    """DATABASE_CONN_MAX_AGE (scripts/serve.sh sets 0) and the PostgreSQL connect timeout."""
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://someone@127.0.0.1:1/nothing",
        "DATABASE_CONN_MAX_AGE": "0",
        "DATABASE_CONNECT_TIMEOUT": "4",
    }
    script = (
        "from django.db import connection as c; "
        "print(c.settings_dict['CONN_MAX_AGE'], c.settings_dict['OPTIONS']['connect_timeout'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["0", "4"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_is_dropped_not_raised_when_a_request_starts(client):
    """The limit is set as a request starts: a connection the server cut meanwhile must not fail
    the request there (before any 503 handling); it is reopened, with the limit."""
    import psycopg

    connection.limit_statements(0)
    connection.close()
    try:
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        settings = connection.settings_dict
        with psycopg.connect(
            dbname="postgres",
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            autocommit=True,
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.1)
        assert client.get("/healthz").status_code == 200
        assert show_statement_timeout() == "30s"
    finally:
        connection.limit_statements(0)
        connection.close()
