"""Concurrency on PostgreSQL: overlapping batches and single transitions from 10 threads over the
same 1,000 outreaches move each outreach at most once per transition, record exactly one history
row per move, and report success counts that add up to the rows that changed. Concurrent PATCHes
of different fields of one outreach lose no write."""

import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connection, transaction
from rest_framework.test import APIClient

from outreach.choices import PipelineState
from outreach.exceptions import TransitionNotAllowed
from outreach.models import EnrichmentBatchItem, Outreach, OutreachTransition
from outreach.services.batches import outreaches_batch_assign_sequence
from outreach.services.enrichment import outreaches_batch_start_enrichment
from outreach.services.outreaches import outreach_transition
from tests.factories import OutreachFactory, SequenceFactory, default_workspace

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OUTREACHES = 1_000
THREADS = 10


def run_threads(workers):
    """Run each callable in its own thread, all released at once; return their results.
    Every thread closes its database connection when done."""
    barrier = threading.Barrier(len(workers))

    def run(work):
        try:
            barrier.wait(timeout=30)
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        futures = [pool.submit(run, work) for work in workers]
        return [future.result(timeout=300) for future in futures]


def slices(rng, ids, count, size):
    """`count` random, overlapping slices of `size` ids, each in a random order."""
    result = []
    for _ in range(count):
        chosen = rng.sample(ids, size)
        rng.shuffle(chosen)
        result.append(chosen)
    return result


def outreaches(count=OUTREACHES):
    workspace = default_workspace()
    Outreach.objects.bulk_create(
        Outreach(workspace=workspace, channel="email") for _ in range(count)
    )
    return list(Outreach.objects.order_by("pk").values_list("pk", flat=True))


def batch_enrichment(batches, actor):
    def work():
        return [
            ("start_enrichment", outreaches_batch_start_enrichment(ids=b, actor=actor))
            for b in batches
        ]

    return work


def batch_assign(batches, sequence, actor):
    def work():
        return [
            (
                "assign",
                b,
                outreaches_batch_assign_sequence(ids=b, sequence=sequence, actor=actor),
            )
            for b in batches
        ]

    return work


def single_transitions(moves, actor):
    def work():
        done = []
        for pk, name in moves:
            try:
                outreach_transition(outreach=Outreach(pk=pk), name=name, actor=actor)
            except TransitionNotAllowed:
                continue
            done.append((name, pk))
        return done

    return work


def random_singles(rng, ids, count):
    return [
        (pk, rng.choice(["start_enrichment", "complete_enrichment"]))
        for pk in rng.sample(ids, count)
    ]


def check_moves(results):
    """Check what the threads were told against the database; returns the assigned ids."""
    moved = defaultdict(list)  # transition -> outreach ids reported as moved
    assigned: set[int] = set()
    for result in results:
        for entry in result:
            if entry[0] == "assign":
                _, batch, outcome = entry
                assert outcome.updated_count == len(batch)
                assert outcome.not_found == []
                assigned.update(batch)
            elif isinstance(entry[1], int):  # (name, pk) from a single transition
                moved[entry[0]].append(entry[1])
            else:
                name, outcome = entry
                assert outcome.success_count == len(outcome.success_ids)
                moved[name].extend(outcome.success_ids)

    # Each outreach made each transition at most once, and only one caller was told it did.
    for name, pks in moved.items():
        duplicates = [pk for pk, n in Counter(pks).items() if n > 1]
        assert duplicates == [], (name, duplicates[:10])
    assert moved["start_enrichment"], "the threads did overlap: some outreaches moved"
    assert moved["complete_enrichment"], "some single transitions found their source state"

    # Exactly one history row per move, and no row for a move nobody was told about.
    history = Counter(OutreachTransition.objects.values_list("transition", "outreach_id"))
    assert max(history.values()) == 1
    for name in ("start_enrichment", "complete_enrichment"):
        assert sorted(pk for (t, pk) in history if t == name) == sorted(moved[name])
    assert {t for t, _ in history} <= {"start_enrichment", "complete_enrichment"}

    # The success counts add up to exactly the rows that changed.
    total = Outreach.objects.count()
    states = Counter(Outreach.objects.values_list("current_state", flat=True))
    assert len(moved["start_enrichment"]) == total - states[PipelineState.NEW]
    assert len(moved["complete_enrichment"]) == states[PipelineState.READY]
    assert (
        len(moved["start_enrichment"]) - len(moved["complete_enrichment"])
        == (states[PipelineState.ENRICHMENT])
    )
    # Each outreach's history is consistent with where it ended.
    by_outreach = defaultdict(list)
    for pk, name in OutreachTransition.objects.order_by("id").values_list(
        "outreach_id", "transition"
    ):
        by_outreach[pk].append(name)
    expected = {
        PipelineState.NEW: [],
        PipelineState.ENRICHMENT: ["start_enrichment"],
        PipelineState.READY: ["start_enrichment", "complete_enrichment"],
    }
    for pk, state in Outreach.objects.values_list("pk", "current_state"):
        assert by_outreach.get(pk, []) == expected[state], (pk, state)

    # Every outreach that entered enrichment belongs to exactly one enrichment batch.
    items = Counter(EnrichmentBatchItem.objects.values_list("outreach_id", flat=True))
    assert sorted(items) == sorted(moved["start_enrichment"])
    assert max(items.values()) == 1
    return assigned


def test_overlapping_batch_and_single_transitions_move_each_outreach_once(queued_tasks_only, user):
    ids = outreaches()
    rng = random.Random(8)
    workers = [batch_enrichment(slices(rng, ids, 4, 250), user) for _ in range(5)]
    workers += [single_transitions(random_singles(rng, ids, 300), user) for _ in range(5)]
    assert len(workers) == THREADS
    check_moves(run_threads(workers))


def test_overlapping_batches_assignments_and_single_transitions(queued_tasks_only, user):
    ids = outreaches()
    sequences = [SequenceFactory(), SequenceFactory()]
    rng = random.Random(8)
    workers = [batch_enrichment(slices(rng, ids, 4, 250), user) for _ in range(4)]
    workers += [batch_assign(slices(rng, ids, 4, 300), sequences[n], user) for n in range(2)]
    workers += [single_transitions(random_singles(rng, ids, 300), user) for _ in range(4)]
    assert len(workers) == THREADS
    assigned = check_moves(run_threads(workers))
    # Every assigned outreach is on one of the two sequences, and no other outreach is.
    on_sequence = dict(Outreach.objects.values_list("pk", "sequence_id"))
    assert {pk for pk, seq in on_sequence.items() if seq is not None} == assigned
    assert {seq for seq in on_sequence.values() if seq is not None} <= {s.pk for s in sequences}


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_batch_assign_locks_rows_in_id_order(queued_tasks_only, user):
    """Deterministic: a batch transition holds the lower id and will want the higher one; the
    assignment's UPDATE scans the higher id first (its row version is earlier in the table).
    Locking in id order, the assignment waits without holding anything and both finish."""
    low, high = outreaches(2)
    # A new row version for `low`, placed after `high` in the heap: a scan meets `high` first.
    Outreach.objects.filter(pk=low).update(subject="moved")
    sequence = SequenceFactory()
    assign_pid = []
    assign_error = []

    def assign():
        try:
            with connection.cursor() as cursor:
                # Scan the table, as the planner does for larger id lists, and never hang.
                cursor.execute(
                    "SET enable_indexscan = off; SET enable_bitmapscan = off; "
                    "SET lock_timeout = '20s'"
                )
            assign_pid.append(_backend_pid())
            outreaches_batch_assign_sequence(ids=[low, high], sequence=sequence, actor=user)
        except OperationalError as exc:
            assign_error.append(exc)
        finally:
            connection.close()

    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '20s'")
    with transaction.atomic():
        # What a batch transition over [low, high] does: lock in id order, low first...
        list(Outreach.objects.select_for_update().filter(pk=low))
        thread = threading.Thread(target=assign)
        thread.start()
        deadline = time.monotonic() + 20
        while not (assign_pid and _waits_for_a_lock(assign_pid[0])):
            assert time.monotonic() < deadline, "the assignment never waited for the lock"
            time.sleep(0.05)
        # ...then high.
        list(Outreach.objects.select_for_update().filter(pk=high))
    thread.join(timeout=60)
    assert assign_error == []
    assert set(Outreach.objects.values_list("sequence_id", flat=True)) == {sequence.pk}


# Each thread owns one field and writes it ROUNDS times; the last value of each must survive.
FIELD_VALUES = {
    "subject": lambda n: f"Subject {n}",
    "body": lambda n: f"Body {n}",
    "message_type": lambda n: f"type_{n}",
    "error_description": lambda n: f"error {n}",
    "personalization_score": lambda n: n,
    "approved": lambda n: n % 2 == 1,
    "context": lambda n: ["sales", "check_in", "code_review"][n % 3],
    "direction": lambda n: ["outgoing", "incoming", "accepted"][n % 3],
    "skip_repliers": lambda n: ["none", "global", "tag_only"][n % 3],
    "screenshot_url": lambda n: f"https://example.com/shot/{n}.png",
}
ROUNDS = 12


def test_concurrent_patches_of_different_fields_lose_no_write(token):
    outreach = OutreachFactory()
    url = f"/api/outreaches/{outreach.public_id}"

    def writer(field, value_of):
        def work():
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            statuses = []
            for n in range(1, ROUNDS + 1):
                response = client.patch(url, {field: value_of(n)}, format="json")
                statuses.append((response.status_code, response.content[:200]))
            return field, statuses

        return work

    results = run_threads([writer(f, v) for f, v in FIELD_VALUES.items()])
    assert len(results) == THREADS
    for field, statuses in results:
        assert {s for s, _ in statuses} == {200}, (field, statuses)

    outreach.refresh_from_db()
    for field, value_of in FIELD_VALUES.items():
        assert getattr(outreach, field) == value_of(ROUNDS), field
    final = APIClient()
    final.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = final.get(url).json()
    for field, value_of in FIELD_VALUES.items():
        assert body[field] == value_of(ROUNDS), field
