"""The load scenario: gunicorn as `make run` starts it over the bench database, on the same machine
as its clients and the database server, driven through the list, the detail and batches of 100
ids (dry runs, so the data set stays reusable) by `demo.bench.loadgen`. Targets: list ≥ 300
requests/s, detail ≥ 1,000, p99 ≤ 100 ms, no errors."""

import os
import random
import sys
import tempfile
from pathlib import Path

from django.db import connection
from django.db.models import Max, Min

from core.public_ids import PREFIXES, format_public_id
from outreach.models import Outreach, Sequence

from . import loadgen
from .scenarios import Bench

# make run's server: two processes of four threads (a thread waiting for the database lets
# another one work).
LOAD_WORKERS = 2
LOAD_THREADS = int(os.environ.get("LOAD_THREADS", "4"))
LOAD_CLIENTS = 8
LOAD_BATCH_SIZE = 100
LOAD_IDS = 5_000
LOAD_MAX_REQUESTS = 100_000


def _random_ids(count: int) -> list[str]:
    """Public ids of up to `count` outreaches drawn at random over the whole table (details at
    10M read rows the cache has not seen), read by primary key."""
    bounds = Outreach.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return []
    rng = random.Random(7)
    wanted = {rng.randint(bounds["low"], bounds["high"]) for _ in range(count)}
    found = Outreach.objects.filter(id__in=wanted).values_list("id", flat=True)
    return [format_public_id(PREFIXES["outreach"], pk) for pk in sorted(found)]


def run_load(bench: Bench, seconds: float) -> None:
    ids = _random_ids(LOAD_IDS)
    sequences = [
        format_public_id(PREFIXES["sequence"], pk)
        for pk in Sequence.objects.order_by("id").values_list("id", flat=True)[:200]
    ]
    token = bench.auth_header.removeprefix("Token ")
    # The server's own connections, not the child's: the child waits while the load runs.
    connection.close()
    with tempfile.TemporaryDirectory(prefix="outreach-bench-load-") as tmp:
        env = loadgen.production_env(os.environ["DATABASE_URL"])
        log = Path(tmp) / "gunicorn.log"
        with loadgen.Gunicorn(env, LOAD_WORKERS, LOAD_THREADS, log) as server:
            summaries = loadgen.run(
                server.port,
                token,
                ids,
                sequences,
                clients=LOAD_CLIENTS,
                duration=seconds,
                max_requests=LOAD_MAX_REQUESTS,
                batch_size=LOAD_BATCH_SIZE,
                say=lambda message: sys.stderr.write(f"  load       {message}\n"),
            )
    bench.results.append(
        {
            "kind": "load",
            "name": f"gunicorn, {LOAD_WORKERS} workers × {LOAD_THREADS} threads, "
            f"{LOAD_CLIENTS} clients, {seconds:g} s each",
            "cache": "Redis" if env.get("REDIS_URL") else "the database",
            "clients": LOAD_CLIENTS,
            "batch_size": LOAD_BATCH_SIZE,
            "list": {"pages": loadgen.LIST_PAGES, "per": loadgen.LIST_PER},
            "scenarios": summaries,
            "meets": {
                f"{summary['scenario']} {name}": ok
                for summary in summaries
                for name, ok in summary["meets"].items()
            },
        }
    )
