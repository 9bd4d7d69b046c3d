"""Limits shared by every process (core/limits.py): the API throttle, the login lock-out (per
username and address, and per address across usernames, on the dashboard's and the admin's
login) and the brake on guessed API keys count in the cache every process shares — the
database's by default, Redis when REDIS_URL is set — over rolling windows, and answer 429 with
Retry-After.

Two real gunicorn processes on one database (a SQLite file, or a fresh PostgreSQL database when
the suite runs on PostgreSQL) count against one budget. The Redis cases run when REDIS_URL is
set (e.g. redis://127.0.0.1:6379/13): each uses a key prefix of its own and deletes its keys.
"""

import http.client
import os
import re
import runpy
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import limits
from core.cache import RedisCache
from core.limits import RollingLimit
from tests.factories import UserFactory
from tests.reliability.test_deploy import ROOT, free_port, production_env

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis to test on)")
PASSWORD = "correct-horse-battery"


CACHE_ENV = {"REDIS_URL", "CACHE_BACKEND", "CACHE_LOCATION", "CACHE_KEY_PREFIX"}


def without_cache_env(env: dict[str, str]) -> dict[str, str]:
    """The environment without the variables that choose the cache (the default is asked)."""
    return {key: value for key, value in env.items() if key not in CACHE_ENV}


def site_caches(**env: str) -> dict:
    """CACHES as outreach_site/settings.py makes it from this environment."""
    with mock.patch.dict(os.environ, {**without_cache_env(os.environ), **env}, clear=True):
        return runpy.run_path(str(ROOT / "outreach_site" / "settings.py"))["CACHES"]


def delete_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(params=["database", pytest.param("redis", marks=needs_redis)])
def shared_cache(request, settings):
    """The cache production counts in: the database's (the default), or Redis."""
    if request.param == "database":
        settings.CACHES = site_caches()
        call_command("createcachetable", verbosity=0)  # when the run's own cache is Redis
        yield cache
        cache.clear()
        return
    prefix = f"outreach-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = site_caches(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix)
    try:
        yield cache
    finally:
        delete_redis_keys(prefix)  # never FLUSHDB: the Redis may hold others' keys


@contextmanager
def clock(at: float):
    """core.limits' clock, set by the test (moved by assigning `.now`)."""
    fake = mock.Mock()
    fake.now = at
    fake.time = lambda: fake.now
    with mock.patch.object(limits, "time", fake):
        yield fake


def window_start(period: int) -> float:
    """The start of the clock window after the current one (keys then live for real)."""
    return (time.time() // period + 1) * period


# --- where the counts live -------------------------------------------------------------------


def test_the_shared_cache_is_the_database_by_default_and_redis_with_redis_url():
    default = site_caches()["default"]
    assert default["BACKEND"] == "core.cache.DatabaseCache"
    assert default["LOCATION"] == "outreach_cache"
    redis = site_caches(REDIS_URL="redis://127.0.0.1:6379/5")["default"]
    assert redis["BACKEND"] == "core.cache.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/5"
    chosen = site_caches(
        REDIS_URL="redis://127.0.0.1:6379/5",
        CACHE_BACKEND="django.core.cache.backends.memcached.PyMemcacheCache",
        CACHE_LOCATION="127.0.0.1:11211",
    )["default"]
    assert chosen == {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": "127.0.0.1:11211",
    }


def test_the_shared_cache_counts(shared_cache):
    """incr and decr as the limits use them (the database's is one locked read-and-write,
    core/cache.py)."""
    assert cache.add("n", 1, 60)
    assert cache.incr("n") == 2
    assert cache.incr("n", 5) == 7
    assert cache.decr("n") == 6
    assert cache.get("n") == 6
    with pytest.raises(ValueError):
        cache.incr("missing")


def test_the_redis_cache_makes_its_client_once(shared_cache):
    """Django makes a redis.Redis per cache call, each building redis-py's table of response
    callbacks; ours keeps one per connection pool and still counts (core/cache.py)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("the database cache has no client to keep")
    made = []
    original = backend._cache._client
    backend._cache._client = lambda **kwargs: made.append(kwargs) or original(**kwargs)
    try:
        assert cache.add("made-once", 1, 60)
        for _ in range(5):
            cache.incr("made-once")
        assert cache.get("made-once") == 6
    finally:
        backend._cache._client = original
    assert len(made) <= 1  # none when an earlier call of this cache made it


# --- rolling windows -------------------------------------------------------------------------


def test_a_burst_across_a_window_boundary_is_held_to_the_rate(shared_cache):
    limit = RollingLimit("burst", 10, 60)
    start = window_start(60)
    with clock(start - 1) as now:  # the last second of a window
        assert [limit.hit("alice") for _ in range(10)] == [None] * 10
        assert limit.hit("alice") is not None
        now.now = start + 1  # a clock-aligned window would allow ten more here
        assert limit.hit("alice") is not None
        now.now = start + 30  # half the previous window still counts: room for five
        assert [limit.hit("alice") is None for _ in range(6)] == [True] * 5 + [False]
        # Another subject has a budget of its own.
        assert limit.hit("bob") is None


def test_retry_after_says_when_the_next_event_fits(shared_cache):
    limit = RollingLimit("wait", 4, 60)
    start = window_start(60)
    with clock(start + 45) as now:
        for _ in range(4):
            assert limit.hit("alice") is None
        wait = limit.hit("alice")
        # The current window is full: into the next, until its four weigh three (a quarter in).
        assert wait == pytest.approx(15 + 15)
        assert limit.wait("alice") == pytest.approx(wait)
        now.now += wait - 1
        assert limit.hit("alice") is not None
        now.now += 1.01
        assert limit.hit("alice") is None


def test_a_refused_event_is_not_counted(shared_cache):
    limit = RollingLimit("refused", 3, 60)
    start = window_start(60)
    with clock(start + 1) as now:
        for _ in range(3):
            assert limit.hit("alice") is None
        for _ in range(50):
            assert limit.hit("alice") is not None
        now.now = start + 60 + 40  # two thirds of the three are gone: room for two
        assert [limit.hit("alice") is None for _ in range(3)] == [True, True, False]


def test_the_api_throttle_counts_over_a_rolling_window_in_the_shared_cache(
    shared_cache, settings, api
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/min"},
    }
    start = window_start(60)
    with clock(start - 1) as now:
        for _ in range(3):
            assert api.get("/api/outreaches").status_code == 200
        refused = api.get("/api/outreaches")
        assert refused.status_code == 429
        now.now = start + 1  # a new clock window, but the last minute still holds three
        refused = api.get("/api/outreaches")
        assert refused.status_code == 429
        wait = int(refused["Retry-After"])
        assert 19 <= wait <= 21  # a third of the window: the three then weigh two
        assert refused.json() == {
            "detail": f"Request was throttled. Expected available in {wait} seconds."
        }
        now.now += wait
        assert api.get("/api/outreaches").status_code == 200


# --- logins ----------------------------------------------------------------------------------


def login(client, password, username="bob", ip="127.0.0.1", path="/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_admin_login_answers_429_with_retry_after_when_locked(shared_cache):
    UserFactory(username="bob", password=PASSWORD, is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(4):
        response = login(client, "guess", path="/admin/login/")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    response = login(client, "guess", path="/admin/login/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 2 * 15 * 60
    assert re.search(
        r"Too many failed logins for this username\. Try again in \d+ minutes?\.",
        response.content.decode(),
    )
    # The right password is not even checked, on the admin's page or the dashboard's.
    assert login(client, PASSWORD, path="/admin/login/").status_code == 429
    assert login(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # The admin's page is still the admin's: a GET shows it, a good login from elsewhere passes.
    assert Client().get("/admin/login/").status_code == 200
    elsewhere = Client()
    response = login(elsewhere, PASSWORD, ip="127.0.0.2", path="/admin/login/")
    assert response.status_code == 302
    assert "_auth_user_id" in elsewhere.session


def test_spraying_usernames_locks_the_address(shared_cache, settings):
    settings.LOGIN_FAILURE_IP_LIMIT = 4
    UserFactory(username="bob", password=PASSWORD)
    client = Client()
    for name in ["ann", "cid", "dee"]:
        assert login(client, "guess", username=name, ip="10.0.0.9").status_code == 200
    # A good login does not wipe the address's record of failures.
    assert login(Client(), PASSWORD, ip="10.0.0.9").status_code == 302
    response = login(client, "guess", username="eve", ip="10.0.0.9")
    assert response.status_code == 429
    assert "Too many failed logins from this address." in response.content.decode()
    assert int(response["Retry-After"]) >= 1
    # Now no username is checked from there, not even a right password; elsewhere all is well.
    blocked = Client()
    assert login(blocked, PASSWORD, ip="10.0.0.9").status_code == 429
    assert "_auth_user_id" not in blocked.session
    assert login(Client(), PASSWORD, ip="10.0.0.10").status_code == 302


def test_the_address_is_read_from_the_trusted_proxy_header(shared_cache, settings):
    settings.LOGIN_FAILURE_IP_LIMIT = 2
    settings.LOGIN_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    client = Client()
    for name in ["ann", "cid"]:
        client.post("/login/", {"username": name, "password": "x"}, HTTP_X_REAL_IP="10.1.1.1")
    response = client.post(
        "/login/", {"username": "dee", "password": "x"}, HTTP_X_REAL_IP="10.1.1.1"
    )
    assert response.status_code == 429
    response = client.post(
        "/login/", {"username": "dee", "password": "x"}, HTTP_X_REAL_IP="10.1.1.2"
    )
    assert response.status_code == 200


# --- guessed API keys ------------------------------------------------------------------------


def test_failed_tokens_are_throttled_per_address(shared_cache, settings, token):
    settings.API_FAILED_TOKEN_RATE = "3/hour"

    def with_key(key: str, ip: str = "10.0.0.1"):
        client = APIClient(REMOTE_ADDR=ip)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    for n in range(3):
        response = with_key(f"guess{n}").get("/api/outreaches")
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid token."}
    # From that address even the right key is no longer looked up.
    with CaptureQueriesContext(connection) as queries:
        response = with_key(token.key).get("/api/outreaches")
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 2 * 3600
    assert response.json()["detail"].startswith("Request was throttled.")
    assert not any("authtoken_token" in query["sql"] for query in queries.captured_queries)
    # The compatibility API's `api_key` is the same key, braked the same.
    response = APIClient(REMOTE_ADDR="10.0.0.1").post(
        "/ajax/outreach/page.json", {"page": 1, "api_key": token.key}, format="json"
    )
    assert response.status_code == 429
    assert "throttled" in response.json()["status"]
    # Another address is not affected; a good key does not count.
    for _ in range(5):
        assert with_key(token.key, ip="10.0.0.2").get("/api/outreaches").status_code == 200


def test_guessing_api_keys_through_the_compatibility_api_is_braked_too(shared_cache, settings):
    settings.API_FAILED_TOKEN_RATE = "2/hour"
    client = APIClient(REMOTE_ADDR="10.0.0.3")
    statuses = [
        client.post(
            "/ajax/outreach/page.json", {"page": 1, "api_key": f"guess{n}"}, format="json"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 429, 429]


# --- two processes, one budget ---------------------------------------------------------------


class Database:
    """A database of the servers' own: a SQLite file, or a fresh PostgreSQL database."""

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            settings = connection.settings_dict
            self.name = f"outreach_limits_{uuid.uuid4().hex[:8]}"
            self.params = {
                "host": settings["HOST"] or "127.0.0.1",
                "port": settings["PORT"] or 5432,
                "user": settings["USER"],
                "password": settings["PASSWORD"] or None,
            }
            self._admin(f'CREATE DATABASE "{self.name}"')
            auth = self.params["user"] + (
                f":{self.params['password']}" if self.params["password"] else ""
            )
            self.url = f"postgres://{auth}@{self.params['host']}:{self.params['port']}/{self.name}"
        else:
            self.path = tmp_path / "limits.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
            admin.execute(sql)

    def tables(self) -> set[str]:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(dbname=self.name, **self.params) as conn:
                rows = conn.execute("SELECT tablename FROM pg_tables").fetchall()
        else:
            with sqlite3.connect(self.path) as conn:
                rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        return {name for (name,) in rows}

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


SETUP = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from workspaces.models import Membership, Workspace
user = get_user_model().objects.create_user("bob", password="correct-horse-battery")
desk = Workspace.objects.create(name="Limits")
Membership.objects.create(workspace=desk, user=user, role="admin")
print("TOKEN", Token.objects.create(user=user).key)
"""


class Server:
    def __init__(self, port: int, process: subprocess.Popen, log: Path):
        self.port, self.process, self.log = port, process, log

    def request(self, method: str, path: str, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def login(self, password: str) -> tuple[int, str | None]:
        """A person's login: the form (for its CSRF token and cookie), then the post."""
        status, headers, body = self.request("GET", "/login/")
        assert status == 200 and headers["Set-Cookie"], (status, dict(headers), body[:500])
        cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
        form = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        status, headers, _ = self.request(
            "POST",
            "/login/",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
            },
            urllib.parse.urlencode(
                {"username": "bob", "password": password, "csrfmiddlewaretoken": form}
            ),
        )
        return status, headers.get("Retry-After")


def start_server(env: dict, log: Path) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "outreach_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Server(port, process, log)


def stop(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def servers_database(tmp_path_factory):
    """One migrated database with bob and his token, for every pair of servers below."""
    base = tmp_path_factory.mktemp("limits")
    database = Database(base)
    # The login page links the collected (hashed) static files, as in production.
    database.static_root = str(base / "static")
    try:
        env = without_cache_env(
            production_env(DATABASE_URL=database.url, STATIC_ROOT=database.static_root)
        )
        run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], **run)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], **run)
        out = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], **run).stdout
        database.token = re.search(r"TOKEN (\w+)", out).group(1)
        yield database
    finally:
        database.drop()


@pytest.fixture(params=["database", pytest.param("redis", marks=needs_redis)])
def two_servers(request, servers_database, tmp_path):
    """Two gunicorn processes on the same database, counting in the shared cache."""
    prefix = f"outreach-test-{uuid.uuid4().hex[:8]}"
    extra = {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix} if request.param == "redis" else {}
    env = without_cache_env(production_env())
    env.update(
        DATABASE_URL=servers_database.url,
        STATIC_ROOT=servers_database.static_root,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        API_THROTTLE_RATE="60/hour",
        API_FAILED_TOKEN_RATE="10/hour",
        LOGIN_FAILURE_LIMIT="5",
        **extra,
    )
    if request.param == "database":
        # Every test starts with nothing counted.
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from django.core.cache import cache; cache.clear()",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    servers = [start_server(env, tmp_path / f"gunicorn-{n}.log") for n in range(2)]
    try:
        deadline = time.monotonic() + 60
        for server in servers:
            while True:
                assert server.process.poll() is None, server.log.read_text()
                try:
                    if server.request("GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, server.log.read_text()
                time.sleep(0.2)
        yield servers
    finally:
        for server in servers:
            stop(server)
        if request.param == "redis":
            delete_redis_keys(prefix)


def test_migrate_made_the_cache_table(servers_database):
    assert "outreach_cache" in servers_database.tables()


def test_the_api_throttle_holds_across_two_processes(two_servers, servers_database):
    headers = {"Authorization": f"Token {servers_database.token}"}

    def one(n: int):
        status, response_headers, _ = two_servers[n % 2].request("GET", "/api/outreaches", headers)
        return n % 2, status, response_headers.get("Retry-After")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(150)))
    statuses = [status for _, status, _ in answers]
    # 60 an hour for the user, whichever process answers (counted per process: 120).
    assert statuses.count(200) == 60, statuses
    assert statuses.count(429) == 90
    assert {server for server, status, _ in answers if status == 429} == {0, 1}
    assert all(int(wait) >= 1 for _, status, wait in answers if status == 429)


def test_the_lockouts_hold_across_two_processes(two_servers, servers_database):
    first, second = two_servers
    for server in (first, second, first, second):
        assert server.login("guess") == (200, None)
    status, wait = first.login("guess")  # the fifth, wherever it lands, locks
    assert status == 429 and int(wait) >= 1
    assert second.login(PASSWORD)[0] == 429
    # Guessed API keys: ten an hour from this address, over both processes.
    statuses = [
        two_servers[n % 2].request("GET", "/api/outreaches", {"Authorization": f"Token bad{n}"})[0]
        for n in range(12)
    ]
    assert statuses == [401] * 10 + [429] * 2
    good = {"Authorization": f"Token {servers_database.token}"}
    assert first.request("GET", "/api/outreaches", good)[0] == 429
