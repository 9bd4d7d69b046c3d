"""The bench scenarios, each measured with its baselines in the same process.

List and detail requests go through the whole Django stack in-process (test Client, token
header, middleware, DRF, JSON rendering). Their raw-SQL baseline replays the statements the
request sent; their naive baseline is `demo.bench.naive` called the same way (minus the
middleware).
Batches run inside a transaction that is rolled back after each run, so every run starts from
the same rows and the data set stays reusable.
"""

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIRequestFactory

from core.public_ids import PREFIXES, format_public_id
from demo.seed.writer import DEMO_WORKSPACE
from outreach.choices import OutreachType, PipelineState
from outreach.enrichment.batches import chunked
from outreach.enrichment.engine import enrich_chunk
from outreach.models import Outreach, Sequence
from outreach.services.enrichment import outreaches_batch_start_enrichment
from outreach.state_machine import transition_spec
from workspaces.choices import Role
from workspaces.models import Membership
from workspaces.services import workspace_get_or_create

from . import baselines
from .measure import Timing, recording, timed
from .naive import NaiveOutreachViewSet, naive_params

BENCH_USERNAME = "bench"
DEEP_OFFSET = 100_000
BATCH_SIZES = (1, 100, 1_000, 10_000)
ENRICHMENT_SIZE = 5_000
# The slow baselines stop after this many seconds of timed runs (see measure.timed).
NAIVE_BUDGET_S = 6.0
PER_OBJECT_BUDGET_S = 8.0

# The targets, set for PostgreSQL at 1M outreaches on two cores.
# The list's p50: 10 ms up to 1M outreaches, 15 ms past it (the 10M run).
LIST_TARGET_MS = 10.0
LIST_TARGET_MS_PAST_1M = 15.0
# A DRF + django-filter path costs about 1 ms around any query: three times its own raw SQL.
LIST_TARGET_RAW_RATIO = 3.0
LIST_TARGET_NAIVE_SPEEDUP = 15.0
LIST_TARGET_QUERIES = 3
DETAIL_TARGET_MS = 3.0
BATCH_TARGET_MS = {"postgresql": 800.0, "sqlite": 250.0}
BATCH_TARGET_SPEEDUP = 20.0
# The batch's own statements, its work queued on commit included; what every API request costs
# (the token lookup, the throttle's counters in a database cache) is counted apart.
BATCH_TARGET_QUERIES = 10
AUTH_TABLES = ('"authtoken_token"', '"auth_user"')
ENRICHMENT_TARGET_PER_S = 5_000


@dataclass
class Bench:
    """What every scenario needs: the clients, the sample values, the repeat counts."""

    repeat: int
    naive_repeat: int
    per_object_up_to: int
    explain: bool
    user: Any
    client: Client
    session: Client
    factory: APIRequestFactory
    auth_header: str
    samples: dict[str, str]
    outreach_count: int
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def vendor(self) -> str:
        return connection.vendor


def prepare(*, repeat: int, naive_repeat: int, per_object_up_to: int, explain: bool) -> Bench:
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=BENCH_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    # An admin of the workspace the data set is seeded into, as the demo user is.
    workspace, _ = workspace_get_or_create(DEMO_WORKSPACE)
    Membership.objects.update_or_create(
        user=user, defaults={"workspace": workspace, "role": Role.ADMIN}
    )
    token, _ = Token.objects.get_or_create(user=user)
    header = f"Token {token.key}"
    session = Client()
    session.force_login(user)
    return Bench(
        repeat=repeat,
        naive_repeat=naive_repeat,
        per_object_up_to=per_object_up_to,
        explain=explain,
        user=user,
        client=Client(HTTP_AUTHORIZATION=header),
        session=session,
        factory=APIRequestFactory(),
        auth_header=header,
        samples=sample_values(),
        outreach_count=Outreach.objects.count(),
    )


def _top(queryset, column: str):
    row = (
        queryset.exclude(**{f"{column}__isnull": True})
        .values(column)
        .annotate(n=Count("id"))
        .order_by("-n", column)
        .first()
    )
    return row[column] if row else None


def sample_values() -> dict[str, str]:
    """Filter values drawn from the data: the busiest person, company, sequence, owner and job
    (the largest result sets), the most used tag and outreach type."""
    rows = Outreach.objects.all()
    values = {
        "channel": "phone",
        "status": PipelineState.READY.value,
        "delivery_status": "performed",
        "outcome": "replied",
        "approved": "true",
        "q": "smith",
    }
    for param, column, prefix in (
        ("person_id", "person_id", PREFIXES["person"]),
        ("company_id", "company_id", PREFIXES["company"]),
        ("sequence_id", "sequence_id", PREFIXES["sequence"]),
        ("job_id", "job_id", PREFIXES["job"]),
        ("owner", "company__owner_id", PREFIXES["user"]),
    ):
        pk = _top(rows, column)
        if pk is not None:
            values[param] = format_public_id(prefix, pk)
    tag = _top(rows, "tag__name")
    if tag is not None:
        values["tag"] = tag
    outreach_type = _top(rows, "outreach_type") or OutreachType.choices[0][0]
    values["outreach_type"] = outreach_type
    return values


# --- list and detail ---------------------------------------------------------------------------


def list_scenarios(bench: Bench) -> list[tuple[str, dict[str, str]]]:
    """(name, query parameters) of every list scenario."""
    samples = bench.samples
    deep_offset = min(DEEP_OFFSET, bench.outreach_count // 2 // 50 * 50)
    deep = {"page": str(deep_offset // 50 + 1)}
    scenarios: list[tuple[str, dict[str, str]]] = [
        ("page 1", {}),
        ("page 1, per=1", {"per": "1"}),
        ("page 1, per=200", {"per": "200"}),
        (f"offset {deep_offset:,}", deep),
        ("oldest first", {"direction": "asc"}),
    ]
    for name, value in samples.items():
        scenarios.append((f"{name}={value}", {name: value}))
    for sort in ("channel", "company", "status", "sequence", "owner"):
        for direction in ("asc", "desc"):
            sorted_by = {"sort": sort, "direction": direction}
            scenarios.append((f"sort {sort} {direction}", sorted_by))
            scenarios.append(
                (f"sort {sort} {direction}, status=ready", {**sorted_by, "status": "ready"})
            )
            scenarios.append(
                (f"sort {sort} {direction}, offset {deep_offset:,}", {**sorted_by, **deep})
            )
    for name, params in (
        ("sequence_id + sort owner", {"sequence_id": samples.get("sequence_id"), "sort": "owner"}),
        (
            "owner + sort company desc",
            {"owner": samples.get("owner"), "sort": "company", "direction": "desc"},
        ),
        (
            "tag + channel + sort sequence",
            {"tag": samples.get("tag"), "channel": "email", "sort": "sequence"},
        ),
        ("q + sort company", {"q": samples["q"], "sort": "company"}),
    ):
        if all(params.values()):
            scenarios.append((name, params))
    return scenarios


def _api_get(bench: Bench, path: str, params: dict[str, str]) -> Callable[[], Any]:
    url = f"{path}?{urlencode(params)}" if params else path

    def run():
        response = bench.client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:500])
        return response

    return run


def _naive(bench: Bench, action: str, params: dict[str, str], **kwargs) -> Callable[[], Any]:
    view = NaiveOutreachViewSet.as_view({"get": action})

    def run():
        request = bench.factory.get(
            "/naive/outreaches", params, HTTP_AUTHORIZATION=bench.auth_header
        )
        response = view(request, **kwargs)
        response.render()
        assert response.status_code == 200, response.content[:500]
        return response

    return run


def _explain(statements) -> list[dict[str, str]]:
    plans = []
    with connection.cursor() as cursor:
        for statement in statements:
            if not statement.sql.lstrip().upper().startswith("SELECT") or statement.many:
                continue
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params)
                text = "\n".join(row[0] for row in cursor.fetchall())
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + statement.sql, statement.params)
                text = "\n".join(str(row[-1]) for row in cursor.fetchall())
            plans.append({"sql": statement.sql, "params": repr(statement.params), "plan": text})
    return plans


def _steady_statements(run) -> tuple[Any, list]:
    """A request's answer and statements as most requests send them. The first request of a
    throttle window INSERTs the window's counter, which a replay could not insert again (and
    which the window's other requests UPDATE): such a recording is taken again."""
    for _ in range(3):
        with recording() as recorder:
            response = run()
        if not any(s.sql.lstrip().upper().startswith("INSERT") for s in recorder.work):
            break
    return response, recorder.work


def _request_result(bench, *, kind, name, run, naive=None, extra=None) -> dict[str, Any]:
    """Measure one read endpoint, its raw-SQL replay and (when given) its naive twin."""
    response, statements = _steady_statements(run)
    with override_settings(DEBUG=False):
        ours = timed(run, repeat=bench.repeat)
        raw = timed(lambda: baselines.replay(statements), repeat=bench.repeat)
        naive_timing = None
        naive_queries = None
        if naive is not None:
            naive_timing = timed(naive, repeat=bench.naive_repeat, budget_s=NAIVE_BUDGET_S)
    if naive is not None:
        with recording() as naive_recorder:
            naive()
        naive_queries = len(naive_recorder.work)
    result = {
        "kind": kind,
        "name": name,
        "ours": ours.as_dict(),
        "queries": len(statements),
        "raw": raw.as_dict(),
        "ratio_raw": round(ours.median / raw.median, 2),
        "bytes": len(response.content),
    }
    if naive_timing is not None:
        result["naive"] = naive_timing.as_dict()
        result["naive_queries"] = naive_queries
        result["speedup_naive"] = round(naive_timing.median / ours.median, 1)
    if bench.explain:
        result["plans"] = _explain(statements)
        result["memoize"] = any("Memoize" in p["plan"] for p in result["plans"])
    if extra:
        result.update(extra)
    return result


def run_lists(bench: Bench, only: str = "") -> None:
    for name, params in list_scenarios(bench):
        if only and only not in name:
            continue
        run = _api_get(bench, "/api/outreaches", params)
        body = run().json()
        pagination = body["pagination"]
        result = _request_result(
            bench,
            kind="list",
            name=name,
            run=run,
            naive=_naive(bench, "list", naive_params(params)),
            extra={
                "params": params,
                "items": len(body["items"]),
                "total_count": pagination["total_count"],
                "count_method": pagination.get("count_method", "exact"),
            },
        )
        result["meets"] = {
            "p50": result["ours"]["median_ms"] <= list_target_ms(bench.outreach_count),
            "raw": result["ratio_raw"] <= LIST_TARGET_RAW_RATIO,
            "naive": result.get("speedup_naive", 0) >= LIST_TARGET_NAIVE_SPEEDUP,
            "queries": result["queries"] <= LIST_TARGET_QUERIES,
        }
        bench.results.append(result)
        report_progress(result)


def list_target_ms(outreaches: int) -> float:
    return LIST_TARGET_MS if outreaches <= 1_000_000 else LIST_TARGET_MS_PAST_1M


def run_detail(bench: Bench) -> None:
    pk = Outreach.objects.order_by("-id").values_list("pk", flat=True).first()
    public_id = format_public_id(PREFIXES["outreach"], pk)
    run = _api_get(bench, f"/api/outreaches/{public_id}", {})
    result = _request_result(
        bench,
        kind="detail",
        name="GET /api/outreaches/{id}",
        run=run,
        naive=_naive(bench, "retrieve", {}, pk=pk),
    )
    result["meets"] = {"p50": result["ours"]["median_ms"] <= DETAIL_TARGET_MS}
    bench.results.append(result)
    report_progress(result)


def run_dashboard(bench: Bench) -> None:
    deep_offset = min(DEEP_OFFSET, bench.outreach_count // 2 // 50 * 50)
    for name, params in (
        ("dashboard list", {}),
        ("dashboard list, status=ready, sort company", {"status": "ready", "sort": "company"}),
        (f"dashboard list, offset {deep_offset:,}", {"page": str(deep_offset // 50 + 1)}),
    ):
        url = f"/outreaches/?{urlencode(params)}" if params else "/outreaches/"

        def run(url=url):
            response = bench.session.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        result = _request_result(bench, kind="dashboard", name=name, run=run)
        bench.results.append(result)
        report_progress(result)


# --- batches -----------------------------------------------------------------------------------


def _rolled_back(work: Callable[[], Any]) -> Callable[[], Any]:
    """Run `work` in a transaction that is always rolled back (timing includes the work only).

    What `work` left for the commit (a batch's enrichment tasks) runs before the rollback, as
    the commit would run it: its statements are part of the cost, and the rollback takes its
    rows back too."""

    def run():
        with transaction.atomic():
            try:
                registered = len(connection.run_on_commit)
                result = work()
                pending = connection.run_on_commit[registered:]
                del connection.run_on_commit[registered:]
                for _savepoints, callback, _robust in pending:
                    callback()
                return result
            finally:
                transaction.set_rollback(True)

    return run


def _request_statement(statement) -> bool:
    """A statement every API request sends, whatever it does: the token and its user, and the
    throttle's counters when the cache is a database table."""
    if any(table in statement.sql for table in AUTH_TABLES):
        return True
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND", "").endswith("DatabaseCache"):
        return connection.ops.quote_name(cache["LOCATION"]) in statement.sql
    return False


def _batch_ids(size: int, eligible: list[int], ineligible: list[int], half: bool, rng) -> list[int]:
    if half:
        wanted = size - size // 2
        ids = rng.sample(eligible, min(wanted, len(eligible))) + rng.sample(
            ineligible, min(size // 2, len(ineligible))
        )
    else:
        ids = rng.sample(eligible, min(size, len(eligible)))
    rng.shuffle(ids)
    return ids


def run_batches(bench: Bench) -> None:
    rng = random.Random(7)
    spec = transition_spec("start_enrichment")
    all_ids = list(Outreach.objects.values_list("pk", flat=True))
    can_start = list(
        Outreach.objects.filter(current_state__in=spec.sources).values_list("pk", flat=True)
    )
    cannot_start = list(
        Outreach.objects.exclude(current_state__in=spec.sources).values_list("pk", flat=True)
    )
    top = max(all_ids, default=0)
    missing = list(range(top + 1, top + 1 + max(BATCH_SIZES)))
    sequence = Sequence.objects.order_by("pk").first()
    measured: dict[tuple[str, bool], tuple[int, float]] = {}
    for action in ("batch_assign", "batch_start_enrichment"):
        for size in BATCH_SIZES:
            for half in (False, True):
                if action == "batch_assign":
                    ids = _batch_ids(size, all_ids, missing, half, rng)
                else:
                    ids = _batch_ids(size, can_start, cannot_start, half, rng)
                if len(ids) < size:
                    continue
                body = {"outreach_ids": [format_public_id("out", pk) for pk in ids]}
                if action == "batch_assign":
                    body["sequence_id"] = sequence.public_id

                def request(body=body, action=action):
                    response = bench.client.patch(
                        f"/api/outreaches/{action}", body, content_type="application/json"
                    )
                    assert response.status_code == 200, response.content[:500]
                    return response

                if action == "batch_assign":

                    def per_object(ids=ids):
                        return baselines.per_object_assign(ids, sequence)
                else:

                    def per_object(ids=ids):
                        return baselines.per_object_transition(ids, "start_enrichment", bench.user)

                run = _rolled_back(request)
                with recording() as recorder:
                    answer = run().json()
                with override_settings(DEBUG=False):
                    ours = timed(
                        run, repeat=bench.repeat if size < 10_000 else max(3, bench.repeat // 3)
                    )
                    if size <= bench.per_object_up_to:
                        loop = timed(
                            _rolled_back(per_object),
                            repeat=bench.repeat if size <= 100 else 3 if size <= 1_000 else 1,
                            warmup=1 if size <= 100 else 0,
                            budget_s=PER_OBJECT_BUDGET_S,
                        )
                        per_object_result = loop.as_dict()
                        measured[(action, half)] = (size, loop.median)
                    else:
                        # The loop costs the same per row at any size: scaled from the largest
                        # size measured, and said so.
                        known_size, known_ms = measured[(action, half)]
                        per_object_result = {
                            "median_ms": round(known_ms * size / known_size, 3),
                            "extrapolated_from": known_size,
                        }
                moved = answer.get("updated_count", answer.get("success_count"))
                result = {
                    "kind": "batch",
                    "name": f"{action} {size:,} ids, {'half' if half else 'all'} eligible",
                    "action": action,
                    "size": size,
                    "eligible": "half" if half else "all",
                    "moved": moved,
                    "ours": ours.as_dict(),
                    "queries": len(recorder.work),
                    "request_queries": sum(1 for s in recorder.work if _request_statement(s)),
                    "statements": [s.sql[:200] for s in recorder.work],
                    "per_object": per_object_result,
                    "speedup_per_object": round(per_object_result["median_ms"] / ours.median, 1),
                }
                result["meets"] = {
                    "p50": size < 10_000
                    or ours.median <= BATCH_TARGET_MS.get(connection.vendor, 600.0),
                    "per_object": size < 10_000
                    or result["speedup_per_object"] >= BATCH_TARGET_SPEEDUP,
                    "queries": result["queries"] - result["request_queries"]
                    <= BATCH_TARGET_QUERIES,
                }
                bench.results.append(result)
                report_progress(result)


def run_enrichment(bench: Bench) -> None:
    spec = transition_spec("start_enrichment")
    ids = list(
        Outreach.objects.filter(current_state__in=spec.sources, person__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:ENRICHMENT_SIZE]
    )
    if not ids:
        return
    state: dict[str, Any] = {}

    def work():
        batch_id = outreaches_batch_start_enrichment(ids=ids, actor=bench.user).batch_id
        state["started"] = time.perf_counter()
        for chunk in chunked(ids):
            enrich_chunk(batch_id=batch_id, outreach_ids=chunk)
        state.setdefault("samples", []).append((time.perf_counter() - state["started"]) * 1000)

    with override_settings(DEBUG=False):
        timed(_rolled_back(work), repeat=3, warmup=1)
    # The first run learns every name it meets; the next ones find the colleagues' evidence
    # remembered, as a worker does for the domains it has worked on before.
    first, timing = state["samples"][0], Timing(state["samples"][1:])
    rate = len(ids) / (timing.median / 1000)
    result = {
        "kind": "enrichment",
        "name": f"local enrichment, {len(ids):,} outreaches, chunks of "
        f"{settings.ENRICHMENT_CHUNK_SIZE}",
        "ours": timing.as_dict(),
        "per_second": round(rate),
        "first_run_per_second": round(len(ids) / (first / 1000)),
        "meets": {"rate": rate >= ENRICHMENT_TARGET_PER_S},
    }
    bench.results.append(result)
    report_progress(result)


def report_progress(result: dict[str, Any]) -> None:
    sys.stderr.write(
        f"  {result['kind']:<10} {result['name']:<55} {result['ours']['median_ms']:>9.2f} ms\n"
    )
    sys.stderr.flush()
