"""Query counts of the list, detail and batch paths, pinned (timings live in `make bench`).

A list request is three queries whatever the page size, filter or sort: the token lookup, the
page (ids first, rows joined to them, one statement) and the count (capped, with the estimate
in the same statement on PostgreSQL). A search selects its page's ids with their count, then
loads the rows: three as well.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outreach.models import Outreach
from outreach.services.batches import outreaches_batch_apply, outreaches_batch_assign_sequence
from outreach.services.transitions import outreaches_batch_transition
from tests.factories import (
    CompanyFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST_QUERIES = 3  # token, page, count
BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def work(queries) -> list[str]:
    """The statements that did work: savepoints are transaction bookkeeping."""
    return [
        q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(BOOKKEEPING)
    ]


@pytest.fixture
def outreaches(db):
    owner = UserFactory(username="owner-a")
    companies = [CompanyFactory(name=f"Co {i}", owner=owner) for i in range(3)]
    sequence = SequenceFactory()
    tag = TagFactory(name="vip")
    rows = []
    for i in range(24):
        company = companies[i % 3]
        rows.append(
            OutreachFactory(
                person=PersonFactory(company=company, last_name="Smith" if i % 4 else "Jones"),
                company=company,
                sequence=sequence if i % 2 else None,
                tag=tag if i % 3 else None,
                state="ready" if i % 2 else "new",
            )
        )
    return {"rows": rows, "owner": owner, "sequence": sequence, "company": companies[0]}


def list_queries(api, query: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/outreaches?{query}")
    assert response.status_code == 200, response.json()
    return work(queries)


@pytest.mark.parametrize("sort", ["", "channel", "company", "status", "sequence", "owner"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_list_is_three_queries_for_every_sort_and_page_size(api, outreaches, sort, direction):
    base = f"sort={sort}&direction={direction}" if sort else f"direction={direction}"
    for per in (1, 200):
        assert len(list_queries(api, f"{base}&per={per}")) == LIST_QUERIES, per
    assert len(list_queries(api, f"{base}&per=5&page=3")) == LIST_QUERIES
    assert len(list_queries(api, f"{base}&per=5&page=99")) == LIST_QUERIES  # past the end


def test_list_is_three_queries_with_every_filter(api, outreaches):
    filters = {
        "channel": "email",
        "status": "ready",
        "delivery_status": "pending",
        "outcome": "none",
        "approved": "false",
        "tag": "vip",
        "q": "smith",
        "owner": f"usr_{outreaches['owner'].pk}",
        "sequence_id": outreaches["sequence"].public_id,
        "company_id": outreaches["company"].public_id,
        "person_id": outreaches["rows"][0].person.public_id,
    }
    for name, value in filters.items():
        # A search first reads the ids of the people and of the companies its text matches.
        expected = 5 if name == "q" else 3
        for per in (1, 200):
            queries = list_queries(api, f"{name}={value}&per={per}&sort=owner")
            assert len(queries) == expected, name
        assert len(list_queries(api, f"{name}={value}&per=5&page=99")) == expected, name


def test_detail_is_two_queries(api, outreaches):
    outreach = outreaches["rows"][1]
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/outreaches/{outreach.public_id}")
    assert response.status_code == 200
    assert len(work(queries)) == 2  # token, the row with its company, sequence and tag


@pytest.mark.parametrize("name", ["start_enrichment", "cancel"])
def test_batch_transition_queries_do_not_grow_with_the_batch(user, name):
    person = PersonFactory()
    # 400 rows: more than one SQLite statement takes when written row by row (999 parameters).
    OutreachFactory.create_batch(401, person=person)
    counts = []
    for size in (1, 400):
        ids = list(
            Outreach.objects.filter(current_state="new", delivery_status="pending")
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        assert len(ids) == size
        with CaptureQueriesContext(connection) as queries:
            result = outreaches_batch_apply(ids=ids, name=name, actor=user)
        assert result.success_count == size
        counts.append(len(work(queries)))
    assert counts[0] == counts[1]
    # Lock and read, UPDATE, history, audit, the webhook subscribers; start_enrichment also
    # opens its batch and items (its workspace read from its first outreach: a service called
    # outside a request).
    assert counts[0] == (8 if name == "start_enrichment" else 5)


def test_batch_assign_queries_do_not_grow_with_the_batch(outreaches, user):
    sequence = SequenceFactory()
    counts = []
    for size in (1, 20):
        ids = [o.pk for o in outreaches["rows"][:size]] + [10**9]
        with CaptureQueriesContext(connection) as queries:
            result = outreaches_batch_assign_sequence(ids=ids, sequence=sequence, actor=user)
        assert result.updated_count == size
        assert result.not_found == ["out_1000000000"]
        counts.append(len(work(queries)))
    # lock and read, UPDATE (the sort key included), audit, the webhook subscribers
    assert counts == [4, 4]


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        # token, the sequence, lock and read, UPDATE, audit, the webhook subscribers
        ("batch_assign", 6),
        # token, lock and read, UPDATE, history, audit, the webhook subscribers, batch, items;
        # on commit, one INSERT of every chunk task and the watchdog (10 chunks of 2 here)
        ("batch_start_enrichment", 9),
    ],
)
def test_batch_endpoints_are_pinned_whatever_the_size(
    api, action, expected, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ENRICHMENT_CHUNK_SIZE = 2
    person = PersonFactory()
    rows = OutreachFactory.create_batch(21, person=person)
    sequence = SequenceFactory()
    counts = []
    for chosen in (rows[:1], rows[1:21]):
        body = {"outreach_ids": [o.public_id for o in chosen]}
        if action == "batch_assign":
            body["sequence_id"] = sequence.public_id
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = api.patch(f"/api/outreaches/{action}", body, format="json")
        assert response.status_code == 200, response.json()
        counts.append(len(work(queries)))
    assert counts == [expected, expected]


@pytest.mark.parametrize("size", [1, 400])
def test_batches_send_their_ids_as_one_parameter(user, size):
    OutreachFactory.create_batch(size, person=PersonFactory())
    ids = list(Outreach.objects.order_by("pk").values_list("pk", flat=True))
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, len(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        outreaches_batch_assign_sequence(ids=ids, sequence=SequenceFactory(), actor=user)
        outreaches_batch_transition(ids=ids, name="start_enrichment", actor=user)
    touching = [(sql, n) for sql, n in statements if "outreach_outreach" in sql]
    assert touching
    # Whatever the batch size, no statement carries more than a handful of parameters.
    assert max(n for _, n in touching) <= 6, touching
