"""PostgreSQL: the delivery and outcome indexes leave out the rows no plan reads them for
(migration 0012), and still serve the rarer values and the stale list."""

import pytest
from django.db import connection

from outreach.models import Outreach
from outreach.selectors import stale_outreaches_queryset
from tests.factories import OutreachFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
    pytest.mark.django_db,
]


def _definition(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        return cursor.fetchone()[0]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A test table is tiny: without this the planner reads it whole, whatever the indexes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_default_delivery_status_and_outcome_are_left_out():
    assert _definition("outreach_ws_delivery_idx").endswith(
        "WHERE (NOT ((delivery_status)::text = 'pending'::text))"
    )
    assert _definition("outreach_ws_outcome_sent_idx").endswith(
        "WHERE ((NOT ((outcome)::text = 'none'::text)) OR (sent_at IS NOT NULL))"
    )


def test_the_rarer_values_and_the_stale_list_still_read_them():
    OutreachFactory()
    rows = Outreach.objects.order_by()
    assert "outreach_ws_delivery_idx" in _plan(rows.filter(delivery_status="failed").only("id"))
    assert "outreach_ws_outcome_sent_idx" in _plan(rows.filter(outcome="replied").only("id"))
    stale = stale_outreaches_queryset(48).select_related(None).order_by().only("id")
    assert "outreach_ws_outcome_sent_idx" in _plan(stale)
