"""Set-based batch operations: one UPDATE, one bulk insert, exact counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outreach.models import Outreach, OutreachTransition
from outreach.services.batches import outreaches_batch_assign_sequence
from outreach.services.enrichment import outreaches_batch_start_enrichment
from outreach.services.outreaches import outreach_transition
from outreach.services.transitions import outreaches_batch_transition
from tests.factories import OutreachFactory, SequenceFactory

pytestmark = pytest.mark.django_db


def test_batch_start_enrichment_moves_only_eligible_rows(user):
    new = OutreachFactory.create_batch(3)
    retry = OutreachFactory(state="not_available")
    ready = OutreachFactory(state="ready")
    ids = [o.pk for o in new] + [retry.pk, ready.pk, 999_999]

    result = outreaches_batch_start_enrichment(ids=ids, actor=user)

    assert result.success_count == 4
    assert sorted(result.success_ids) == sorted([o.pk for o in new] + [retry.pk])
    assert result.skipped == [
        {
            "id": f"out_{ready.pk}",
            "reason": "state is 'ready'; start_enrichment needs 'new' or 'not_available'",
        },
        {"id": "out_999999", "reason": "not found"},
    ]
    assert Outreach.objects.filter(current_state="enrichment").count() == 4
    assert Outreach.objects.get(pk=ready.pk).current_state == "ready"
    rows = OutreachTransition.objects.order_by("outreach_id")
    assert rows.count() == 4
    assert {r.from_state for r in rows} == {"new", "not_available"}
    assert all(r.actor == user and r.transition == "start_enrichment" for r in rows)


def test_running_the_same_batch_twice_moves_nothing_the_second_time(user):
    ids = [o.pk for o in OutreachFactory.create_batch(5)]
    outreaches_batch_start_enrichment(ids=ids, actor=user)
    again = outreaches_batch_start_enrichment(ids=ids, actor=user)
    assert again.success_count == 0
    assert len(again.skipped) == 5
    assert OutreachTransition.objects.count() == 5


def _data_queries(captured):
    return [q for q in captured if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]


@pytest.mark.parametrize("size", [1, 50])
def test_batch_transition_is_five_queries_whatever_the_size(size, user):
    ids = [o.pk for o in OutreachFactory.create_batch(size, state="starting")]
    with CaptureQueriesContext(connection) as queries:
        outreaches_batch_transition(ids=ids, name="wait", actor=user)
    # lock and read the states, one UPDATE, one INSERT of the history rows, one of the audit log,
    # one SELECT of the workspace's webhook subscribers (none here: no events written)
    assert len(_data_queries(queries.captured_queries)) == 5


def test_batch_start_enrichment_query_count_does_not_grow_with_size(user):
    counts = []
    for size in (1, 50):
        ids = [o.pk for o in OutreachFactory.create_batch(size)]
        with CaptureQueriesContext(connection) as queries:
            outreaches_batch_start_enrichment(ids=ids, actor=user)
        counts.append(len(_data_queries(queries.captured_queries)))
    assert counts[0] == counts[1]


def test_batch_assign_counts_and_lists_not_found(user):
    outreaches = OutreachFactory.create_batch(3)
    sequence = SequenceFactory(name="Welcome Sequence")
    ids = [o.pk for o in outreaches] + [424242]
    result = outreaches_batch_assign_sequence(ids=ids, sequence=sequence, actor=user)
    assert result.updated_count == 3
    assert result.sequence_name == "Welcome Sequence"
    assert result.not_found == ["out_424242"]
    assert Outreach.objects.filter(sequence=sequence).count() == 3


def test_batch_assign_is_one_locking_read_and_one_update(user):
    ids = [o.pk for o in OutreachFactory.create_batch(20)]
    sequence = SequenceFactory()
    with CaptureQueriesContext(connection) as queries:
        outreaches_batch_assign_sequence(ids=ids, sequence=sequence, actor=user)
    updates = [q for q in queries.captured_queries if q["sql"].upper().startswith("UPDATE")]
    selects = [q for q in queries.captured_queries if q["sql"].upper().startswith("SELECT")]
    inserts = [q for q in queries.captured_queries if q["sql"].upper().startswith("INSERT")]
    assert len(updates) == 1
    assert len(selects) == 2  # the rows, locked in id order; the webhook subscribers
    assert len(inserts) == 1  # the audit entries, one per outreach


def test_batch_and_single_paths_give_the_same_end_state_and_history(user):
    batch_rows = OutreachFactory.create_batch(4)
    single_rows = OutreachFactory.create_batch(4)
    outreaches_batch_start_enrichment(ids=[o.pk for o in batch_rows], actor=user)
    for o in single_rows:
        outreach_transition(outreach=o, name="start_enrichment", actor=user)

    def shape(rows):
        return sorted(
            (
                Outreach.objects.get(pk=o.pk).current_state,
                tuple(
                    OutreachTransition.objects.filter(outreach=o).values_list(
                        "field", "transition", "from_state", "to_state", "actor_id", "metadata"
                    )
                ),
            )
            for o in rows
        )

    assert shape(batch_rows) == shape(single_rows)
