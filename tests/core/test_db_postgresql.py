"""The PostgreSQL backend reads timestamps with psycopg's loader, giving what Django's gives,
and its connections plan without JIT."""

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.test.utils import override_settings
from psycopg.pq import Format

from tests.factories import OutreachFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]

STORED = [
    "2026-03-29 01:59:59.999999+00",
    "2026-03-29 03:30:00+02",  # an offset given on the way in: read back in UTC
    "2026-10-25 00:00:00-07:30",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.5+00",
    "2026-01-01 12:00:00.000001+00",
]


def _read(cursor) -> list[datetime.datetime]:
    cursor.execute(
        "SELECT moment FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS t(moment, n) ORDER BY n",
        [STORED],
    )
    return [row[0] for row in cursor.fetchall()]


def test_connections_read_timestamps_with_psycopgs_loader():
    from core.db.postgresql.base import (
        PSYCOPG_TIMESTAMPTZ_LOADER,
        TIMESTAMPTZ_OID,
        UTCTimestamptzLoader,
    )

    connection.ensure_connection()
    registered = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert registered is UTCTimestamptzLoader
    assert type(UTCTimestamptzLoader(TIMESTAMPTZ_OID)) is PSYCOPG_TIMESTAMPTZ_LOADER


def test_timestamps_read_as_djangos_own_loader_reads_them():
    with connection.cursor() as cursor:
        ours = _read(cursor)
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's, on this cursor only
        djangos = _read(cursor)
    assert ours == djangos
    assert [moment.isoformat() for moment in ours] == [moment.isoformat() for moment in djangos]
    assert all(moment.tzinfo is datetime.UTC for moment in ours)
    assert ours[1] == datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC)


def test_a_saved_moment_comes_back_the_same_in_utc():
    moment = datetime.datetime(2026, 7, 1, 9, 15, 30, 123456, tzinfo=datetime.UTC)
    outreach = OutreachFactory(sent_at=moment)
    outreach.refresh_from_db()
    assert outreach.sent_at == moment
    assert outreach.sent_at.tzinfo is datetime.UTC


@pytest.mark.parametrize(
    ("overrides", "database_time_zone"),
    [({"USE_TZ": False}, None), ({}, "Europe/Paris")],
    ids=["naive datetimes", "a database time zone"],
)
def test_other_time_zone_setups_keep_djangos_loader(overrides, database_time_zone):
    from core.db.postgresql.base import (
        TIMESTAMPTZ_OID,
        DatabaseWrapper,
        UTCTimestamptzLoader,
    )

    with override_settings(**overrides):
        wrapper = DatabaseWrapper({**connection.settings_dict, "TIME_ZONE": database_time_zone})
        context = wrapper.get_connection_params()["context"]
    loader = context.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert loader is not UTCTimestamptzLoader
    assert loader.timezone == wrapper.timezone


def test_connections_plan_without_jit_whatever_their_statement_limit():
    for limit in (0, 1000):
        opened = connection.copy()
        opened.limit_statements(limit)
        try:
            with opened.cursor() as cursor:
                cursor.execute("SHOW jit")
                assert cursor.fetchone()[0] == "off"
                cursor.execute("SHOW statement_timeout")
                assert cursor.fetchone()[0] == ("1s" if limit else "0")
        finally:
            opened.close()
