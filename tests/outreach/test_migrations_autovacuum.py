"""PostgreSQL vacuums the outreach table early, so deep pages stay index-only."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's setting")

MIGRATION = importlib.import_module("outreach.migrations.0007_outreach_autovacuum")


def _options() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'outreach_outreach'")
        (options,) = cursor.fetchone()
    return dict(option.split("=", 1) for option in options or [])


@pytest.mark.django_db
def test_the_outreach_table_is_vacuumed_after_a_hundredth_of_its_rows_change():
    assert _options() == MIGRATION.OPTIONS


@pytest.mark.django_db(transaction=True)
def test_the_migration_reverses():
    executor = MigrationExecutor(connection)
    executor.migrate([("outreach", "0006_fewer_write_indexes")])
    try:
        assert _options() == {}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert _options() == MIGRATION.OPTIONS
