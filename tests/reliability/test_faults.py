"""Faults: with the database unreachable the API answers 503 with a JSON body and Retry-After,
`/healthz` says unavailable (503), dashboard pages answer 503 too; all of them recover by
themselves once the database is back, without a restart.

On PostgreSQL the connection really points at a closed port. The embedded SQLite test database
lives in memory and cannot be reopened, so there the connection attempt is made to fail
instead; tests/reliability/test_deploy.py takes a real SQLite file away from a running gunicorn.
"""

import contextlib
import socket
from unittest import mock

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client

from tests.factories import OutreachFactory


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def database_unreachable():
    if connection.vendor == "postgresql":
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.update(saved)
    else:

        def refuse(*args, **kwargs):
            raise OperationalError("unable to open database file")

        # Every connection, not only this thread's: /healthz checks on a connection of its own.
        with mock.patch.object(type(connections["default"]), "ensure_connection", refuse):
            yield


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"


@pytest.mark.django_db(transaction=True)
def test_database_outage_is_503_json_and_recovers_without_restart(api, user):
    outreach = OutreachFactory()
    anonymous = Client()
    session = Client(raise_request_exception=False)
    session.force_login(user)
    assert anonymous.get("/healthz").json() == {"status": "ok", "database": "ok"}

    with database_unreachable():
        # Each call tries to connect again and fails again: nothing stays cached.
        for _ in range(2):
            response = api.get("/api/outreaches")
            assert_unavailable(response)
            assert response.json() == {"detail": "The database is unavailable; try again shortly."}
            assert_unavailable(api.get(f"/api/outreaches/{outreach.public_id}"))
            assert_unavailable(
                api.patch(f"/api/outreaches/{outreach.public_id}", {"subject": "x"}, format="json")
            )
            health = anonymous.get("/healthz")
            assert_unavailable(health)
            assert health.json() == {"status": "unavailable", "database": "unavailable"}
            page = session.get("/outreaches/")
            assert page.status_code == 503
            assert page["Retry-After"] == "5"
            assert b"The database is unavailable" in page.content

    # Back: the same process, the same clients, no restart.
    assert anonymous.get("/healthz").json() == {"status": "ok", "database": "ok"}
    response = api.get("/api/outreaches")
    assert response.status_code == 200
    assert response.json()["pagination"]["total_count"] == 1
    assert (
        api.patch(
            f"/api/outreaches/{outreach.public_id}", {"subject": "back"}, format="json"
        ).json()["subject"]
        == "back"
    )
    assert session.get("/outreaches/").status_code == 200


def test_health_check_answers_only_get_and_head(client, db):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    assert Client(enforce_csrf_checks=True).post("/healthz").status_code == 403
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
    assert set(response.json()) == {"status", "database"}


def test_only_a_database_outage_turns_a_server_error_into_503(rf):
    """handler500: a database outage is a 503 with Retry-After; any other crash stays a 500."""
    from core.health import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
