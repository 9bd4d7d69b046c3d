"""Deployment: the production settings (DEBUG=0) pass `check --deploy` without a warning, and the
app runs under gunicorn (two workers, loopback, a fresh SQLite file) with static files served by
whitenoise after collectstatic. A running server also rides out its database going away."""

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "DEBUG",
            "SECRET_KEY",
            "SECRETS_KEY",
            "ALLOWED_HOSTS",
            "STATIC_ROOT",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="outreach_site.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECRETS_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="outreach.example.com",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


# --- check --deploy --------------------------------------------------------------------------


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_does_catch_an_insecure_setting(tmp_path):
    """The same check fails when a production setting is turned off (so the test above
    would notice one going missing)."""
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env, check=False)
    assert result.returncode != 0
    for code in ("security.W008", "security.W012", "security.W016"):
        assert code in result.stderr, code


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    del env["SECRET_KEY"]
    result = manage("check", env=env, check=False)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn serving the app on 127.0.0.1 (nothing else is ever contacted)."""

    def __init__(self, port: int, token: str, database_dir: Path, process: subprocess.Popen):
        self.port = port
        self.token = token
        self.database_dir = database_dir
        self.process = process

    def request(self, method: str, path: str, headers: dict | None = None, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def get(self, path: str, **headers: str):
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("deploy")
    database_dir = base / "db"
    database_dir.mkdir()
    env = production_env(
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{database_dir / 'outreach.sqlite3'}",
        STATIC_ROOT=str(base / "static"),
        DJANGO_SUPERUSER_PASSWORD=secrets.token_urlsafe(16),
    )
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", env=env)
    manage(
        "createsuperuser", "--noinput", "--username", "ops", "--email", "ops@example.com", env=env
    )
    manage("workspace", "create", "Operations", "--admin", "ops", env=env)
    created = manage("drf_create_token", "ops", env=env).stdout
    token = re.search(r"Generated token (\w+)", created).group(1)

    port = free_port()
    log = open(base / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "outreach_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running = Server(port, token, database_dir, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (base / "gunicorn.log").read_text()
            try:
                if running.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz in time"
            time.sleep(0.2)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_gunicorn_answers_health_and_login(server):
    status, headers, body = server.get("/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok"}

    # Plain http is sent to https; behind a TLS proxy (X-Forwarded-Proto) the page is served.
    status, headers, _ = server.get("/login/")
    assert status == 301
    assert headers["Location"] == f"https://127.0.0.1:{server.port}/login/"
    status, headers, body = server.get("/login/", X_Forwarded_Proto="https")
    assert status == 200
    assert b"Log in" in body
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    cookie = headers["Set-Cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie


def test_whitenoise_serves_the_collected_static_files(server):
    _, _, body = server.get("/login/", X_Forwarded_Proto="https")
    stylesheet = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, "the page links the hashed (manifest) name of the stylesheet"
    path = stylesheet.group(1).decode()
    status, headers, css = server.get(path, X_Forwarded_Proto="https")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert len(css) > 1000
    status, headers, _ = server.get(path, X_Forwarded_Proto="https", Accept_Encoding="gzip")
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    # The htmx bundle and Swagger UI come from here too: no CDN.
    assert server.get("/static/vendor/htmx/htmx.min.js", X_Forwarded_Proto="https")[0] == 200


def test_the_api_answers_under_gunicorn(server):
    status, _, body = server.get(
        "/api/outreaches", Authorization=f"Token {server.token}", X_Forwarded_Proto="https"
    )
    assert status == 200
    assert json.loads(body)["pagination"]["total_count"] == 0
    assert server.get("/api/outreaches", X_Forwarded_Proto="https")[0] == 401


def test_a_running_server_survives_its_database_going_away(server):
    """The SQLite file's directory is taken away and put back: 503 with JSON meanwhile, and
    the same workers serve again afterwards."""
    api = {"Authorization": f"Token {server.token}", "X_Forwarded_Proto": "https"}
    pid = server.process.pid
    away = server.database_dir.with_name("db-away")
    server.database_dir.rename(away)
    try:
        status, headers, body = server.get("/healthz")
        assert status == 503
        assert json.loads(body) == {"status": "unavailable", "database": "unavailable"}
        assert headers["Retry-After"] == "5"
        status, headers, body = server.get("/api/outreaches", **api)
        assert status == 503
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"detail": "The database is unavailable; try again shortly."}
    finally:
        away.rename(server.database_dir)
    assert server.get("/healthz")[0] == 200
    assert server.get("/api/outreaches", **api)[0] == 200
    assert server.process.pid == pid and server.process.poll() is None
