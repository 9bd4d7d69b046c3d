#!/usr/bin/env python3
"""Load test: gunicorn on 127.0.0.1 over a database seeded with `manage.py seed_demo`, driven by
concurrent clients through the list, detail and batch endpoints; reports throughput, p50/p99
latency and errors per scenario. Exits non-zero if any request failed (a non-2xx answer or no
answer).

    .venv/bin/python scripts/load.py                      # temp SQLite, 10k outreaches
    .venv/bin/python scripts/load.py --database-url postgres://postgres@127.0.0.1:5432/outreach_load

`make bench` runs the same scenarios over its own bench database (its `load` group). Every
request goes to 127.0.0.1 (the server this script starts); the loops are bounded by --duration
seconds and --max-requests per scenario. With --database-url the database is created when
missing, migrated and seeded (seed_demo --reset): give it a database of its own. Not part of
`make test`: timings depend on the machine.
"""

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from demo.bench import loadgen  # noqa: E402  (needs ROOT on the path)
from demo.bench.databases import create_postgres_database  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outreaches", type=int, default=10_000, help="seed_demo size")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads a worker (make run's)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per scenario")
    parser.add_argument("--max-requests", type=int, default=20_000, help="request cap per scenario")
    parser.add_argument("--batch-size", type=int, default=100, help="ids per batch request")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser.parse_args()


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def prepare(env: dict[str, str], outreaches: int) -> str:
    """Migrate and seed the database; a token of an admin of the seeded workspace."""
    if env["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        create_postgres_database(env["DATABASE_URL"])  # when missing
    say("migrating")
    manage(env, "migrate", "--noinput")
    say(f"seeding {outreaches:,} outreaches (seed_demo)")
    started = time.monotonic()
    manage(env, "seed_demo", "--outreaches", str(outreaches), "--seed", "1", "--reset")
    say(f"seeded in {time.monotonic() - started:.1f}s")
    # A user of its own each run: a database given again still has the last run's.
    username = f"load-{secrets.token_hex(4)}"
    env = {**env, "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(16)}
    manage(env, "createsuperuser", "--noinput", "--username", username, "--email", "l@x.test")
    manage(env, "workspace", "add", username, "--to", "Demo", "--role", "admin")
    created = manage(env, "drf_create_token", username)
    return re.search(r"Generated token (\w+)", created).group(1)


def say(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="outreach-load-") as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'load.sqlite3'}"
        env = loadgen.production_env(database_url)
        token = prepare(env, args.outreaches)
        log = Path(tmp) / "gunicorn.log"
        with loadgen.Gunicorn(env, args.workers, args.threads, log) as server:
            return run_scenarios(server.port, token, args, env["DATABASE_URL"])


def run_scenarios(port: int, token: str, args: argparse.Namespace, database_url: str) -> int:
    auth = {"Authorization": f"Token {token}"}
    ids = []
    for page in range(1, 6):
        status, body = loadgen.request(port, "GET", f"/api/outreaches?per=200&page={page}", auth)
        assert status == 200, body
        listing = json.loads(body)
        ids += [item["id"] for item in listing["items"]]
    status, body = loadgen.request(port, "GET", "/api/sequences?per=50", auth)
    sequences = [item["id"] for item in json.loads(body)["items"]]
    results = loadgen.run(
        port,
        token,
        ids,
        sequences,
        clients=args.clients,
        duration=args.duration,
        max_requests=args.max_requests,
        batch_size=args.batch_size,
        say=say,
    )
    report = {
        "server": f"gunicorn, {args.workers} workers × {args.threads} threads, "
        f"{loadgen.HOST}:{port}",
        "database": database_url.split("://")[0],
        "outreaches": listing["pagination"]["total_count"],
        "clients": args.clients,
        "batch_size": args.batch_size,
        "cpus": os.cpu_count(),
        "results": results,
    }
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    errors = sum(r["errors"] for r in results)
    if errors:
        say(f"FAILED: {errors} request(s) failed")
        return 1
    return 0


def print_report(report: dict) -> None:
    print(
        f"\n{report['server']}; {report['database']}, {report['outreaches']:,} outreaches; "
        f"{report['clients']} client threads on the same {report['cpus']}-core machine\n"
    )
    print("| scenario | requests | errors | req/s | p50 ms | p99 ms | targets |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in report["results"]:
        missed = [name for name, ok in r["meets"].items() if not ok]
        verdict = "✗ " + ", ".join(missed) if missed else "✓"
        print(
            f"| {r['scenario']} | {r['requests']:,} | {r['errors']} | {r['req_per_s']:,.1f} "
            f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {verdict} |"
        )
        for error in r["first_errors"]:
            print(f"    error: {error}")


if __name__ == "__main__":
    sys.exit(main())
