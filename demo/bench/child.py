"""One database's bench: make sure the data set is there, run every scenario, return the figures.

Runs in the process `demo.bench.runner` started with DATABASE_URL pointing at the bench database.
"""

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

import demo.seed
from demo.seed import SEEDED_MODELS, seed_demo

from . import scenarios
from .cursor import run_cursor
from .load import run_load
from .replies import run_replies
from .sending import run_sending
from .webhooks import run_webhooks

MARKER_TABLE = "bench_dataset"
# Tables whose visibility maps and statistics the list and batch plans depend on.
VACUUMED_APPS = ("outreach", "contacts", "jobs", "followups")


def _marker(outreaches: int, seed: int) -> str:
    """What the data set depends on: size, seed, the seed code and the applied migrations."""
    applied = sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )
    seed_code = b"".join(
        path.read_bytes() for path in sorted(Path(demo.seed.__file__).parent.glob("*.py"))
    )
    return json.dumps(
        {
            "outreaches": outreaches,
            "seed": seed,
            "seed_code": hashlib.sha256(seed_code).hexdigest()[:16],
            "migrations": hashlib.sha256("\n".join(applied).encode()).hexdigest()[:16],
        },
        sort_keys=True,
    )


def _read_marker() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (marker TEXT NOT NULL)")
        cursor.execute(f"SELECT marker FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    return row[0] if row else None


def _write_marker(marker: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (marker) VALUES (%s)", [marker])


def ensure_dataset(*, outreaches: int, seed: int, fresh: bool) -> dict[str, Any]:
    """Migrate, and seed with seed_demo unless the same data set is already there."""
    call_command("migrate", verbosity=0, interactive=False)
    marker = _marker(outreaches, seed)
    seeded_seconds = None
    if fresh or _read_marker() != marker:
        sys.stderr.write(
            f"Seeding {outreaches:,} outreaches (seed {seed}) on {connection.vendor}…\n"
        )
        result = seed_demo(outreaches=outreaches, seed=seed, reset=True, stream=sys.stderr)
        seeded_seconds = round(result.seconds, 1)
        _write_marker(marker)
    started = time.monotonic()
    _maintain()
    return {
        "seeded_seconds": seeded_seconds,
        "reused": seeded_seconds is None,
        "maintenance_seconds": round(time.monotonic() - started, 1),
    }


def _maintain() -> None:
    """Statistics for the planner and, on PostgreSQL, visibility maps for index-only scans
    (what autovacuum does shortly after a bulk load; rolled-back batch runs leave dead rows)."""
    from django.apps import apps

    tables = [
        model._meta.db_table
        for label in VACUUMED_APPS
        for model in apps.get_app_config(label).get_models()
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"VACUUM (ANALYZE) {quoted}")
        else:
            cursor.execute("ANALYZE")


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in SEEDED_MODELS}


def database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
        else:
            cursor.execute("SELECT 'SQLite ' || sqlite_version()")
        return cursor.fetchone()[0]


def settings_snapshot() -> dict[str, str]:
    """Server settings that move plans and timings."""
    if connection.vendor != "postgresql":
        return {}
    names = (
        "shared_buffers",
        "work_mem",
        "effective_cache_size",
        "random_page_cost",
        "max_parallel_workers_per_gather",
        "jit",
    )
    with connection.cursor() as cursor:
        return {name: _show(cursor, name) for name in names}


def _show(cursor, name: str) -> str:
    cursor.execute(f"SHOW {name}")
    return cursor.fetchone()[0]


def run(
    *,
    outreaches: int,
    seed: int,
    repeat: int,
    naive_repeat: int,
    per_object_up_to: int,
    fresh: bool,
    explain: bool,
    selected: set[str],
    only: str,
    load_seconds: float,
    output: Path,
) -> None:
    started = time.monotonic()
    dataset = ensure_dataset(outreaches=outreaches, seed=seed, fresh=fresh)
    bench = scenarios.prepare(
        repeat=repeat,
        naive_repeat=naive_repeat,
        per_object_up_to=per_object_up_to,
        explain=explain,
    )
    sys.stderr.write(
        f"Running scenarios on {connection.vendor} ({bench.outreach_count:,} outreaches)\n"
    )
    groups = {
        "list": lambda: scenarios.run_lists(bench, only),
        "detail": lambda: scenarios.run_detail(bench),
        "dashboard": lambda: scenarios.run_dashboard(bench),
        "batch": lambda: scenarios.run_batches(bench),
        "enrichment": lambda: scenarios.run_enrichment(bench),
        "cursor": lambda: run_cursor(bench),
        "webhooks": lambda: run_webhooks(bench),
        "sending": lambda: run_sending(bench),
        "replies": lambda: run_replies(bench),
        "load": lambda: run_load(bench, load_seconds),
    }
    for name, group in groups.items():
        if name in selected:
            group()
    figures = {
        "vendor": connection.vendor,
        "database": database_version(),
        "settings": settings_snapshot(),
        "dataset": {**dataset, "outreaches": outreaches, "seed": seed},
        "rows": row_counts(),
        "samples": bench.samples,
        "results": bench.results,
        "seconds": round(time.monotonic() - started, 1),
    }
    output.write_text(json.dumps(figures, indent=1, default=str))
