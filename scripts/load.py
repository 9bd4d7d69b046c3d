#!/usr/bin/env python3
"""Load test: gunicorn on 127.0.0.1, seeded with `manage.py seed_demo`, driven by concurrent
clients through the list, detail and batch endpoints; reports throughput, p50/p99 latency and
errors per scenario. Exits non-zero if any request failed (a non-2xx answer or no answer).

    .venv/bin/python scripts/load.py                      # temp SQLite, 10k outreaches
    .venv/bin/python scripts/load.py --database-url postgres://postgres@127.0.0.1:5432/outreach_load

Every request goes to 127.0.0.1 (the server this script starts); the loops are bounded by
--duration seconds and --max-requests per scenario. With --database-url the database is
created when missing, migrated and seeded (seed_demo --reset): give it a database of its own.
Not part of `make test`: timings depend on the machine.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from demo.bench.databases import create_postgres_database  # noqa: E402  (needs ROOT on the path)

HOST = "127.0.0.1"  # the only address this script ever sends to


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outreaches", type=int, default=10_000, help="seed_demo size")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per scenario")
    parser.add_argument("--max-requests", type=int, default=20_000, help="request cap per scenario")
    parser.add_argument("--batch-size", type=int, default=100, help="ids per batch request")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class App:
    """The app under gunicorn, with its own settings, database and token."""

    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.port = free_port()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "SECRETS_KEY", "ALLOWED_HOSTS"}
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="outreach_site.settings",
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            SECRETS_KEY=secrets.token_urlsafe(32),
            ALLOWED_HOSTS=HOST,
            DATABASE_URL=args.database_url or f"sqlite:///{workdir / 'load.sqlite3'}",
            STATIC_ROOT=str(workdir / "static"),
            # Plain http on loopback: no TLS redirect, no secure-only cookies.
            SECURE_SSL_REDIRECT="0",
            SECURE_COOKIES="0",
            # One client token sends far more than a person would; measure the app, not the
            # throttle (whose own cost, a cache counter, is still paid on every request).
            API_THROTTLE_RATE="100000000/min",
            LOG_LEVEL="WARNING",
            DJANGO_SUPERUSER_PASSWORD=secrets.token_urlsafe(16),
        )
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.token = ""

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def prepare(self, outreaches: int) -> None:
        if self.env["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
            create_postgres_database(self.env["DATABASE_URL"])  # when missing
        say("migrating")
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        say(f"seeding {outreaches:,} outreaches (seed_demo)")
        started = time.monotonic()
        self.manage("seed_demo", "--outreaches", str(outreaches), "--seed", "1", "--reset")
        say(f"seeded in {time.monotonic() - started:.1f}s")
        # A user of its own each run: a database given again still has the last run's.
        username = f"load-{secrets.token_hex(4)}"
        self.manage("createsuperuser", "--noinput", "--username", username, "--email", "l@x.test")
        created = self.manage("drf_create_token", username)
        self.token = re.search(r"Generated token (\w+)", created).group(1)

    def start(self, workers: int) -> None:
        log = (self.workdir / "gunicorn.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "outreach_site.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(workers),
                "--backlog",
                "256",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                sys.exit((self.workdir / "gunicorn.log").read_text())
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def request(port: int, method: str, path: str, headers=None, body=None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies) + len(self.errors)

    def summary(self) -> dict:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0

        return {
            "scenario": self.name,
            "requests": self.count,
            "errors": len(self.errors),
            "seconds": round(self.elapsed, 2),
            "req_per_s": round(self.count / self.elapsed, 1) if self.elapsed else 0,
            "p50_ms": round(pct(0.50), 2),
            "p99_ms": round(pct(0.99), 2),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else 0,
            "first_errors": self.errors[:5],
        }


def drive(name, port, make_request, clients, duration, max_requests) -> Result:
    """`clients` threads send requests made by `make_request(rng)` until the time or the
    request budget runs out."""
    result = Result(name)
    lock = threading.Lock()
    budget = [max_requests]
    stop_at = time.monotonic() + duration

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop_at:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            method, path, headers, body = make_request(rng)
            started = time.perf_counter()
            try:
                status, content = request(port, method, path, headers, body)
            except OSError as exc:
                with lock:
                    result.errors.append(f"{method} {path}: {exc!r}")
                continue
            spent = time.perf_counter() - started
            with lock:
                if 200 <= status < 300:
                    result.latencies.append(spent)
                else:
                    result.errors.append(f"{method} {path}: {status} {content[:200]!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.monotonic() - began
    return result


def say(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="outreach-load-") as tmp:
        app = App(args, Path(tmp))
        app.prepare(args.outreaches)
        app.start(args.workers)
        try:
            return run_scenarios(app, args)
        finally:
            app.stop()


def run_scenarios(app: App, args: argparse.Namespace) -> int:
    auth = {"Authorization": f"Token {app.token}"}
    status, body = request(app.port, "GET", "/api/outreaches?per=200", auth)
    assert status == 200, body
    listing = json.loads(body)
    total = listing["pagination"]["total_count"]
    ids = [item["id"] for item in listing["items"]]
    for page in range(2, 6):
        status, body = request(app.port, "GET", f"/api/outreaches?per=200&page={page}", auth)
        ids += [item["id"] for item in json.loads(body)["items"]]
    status, body = request(app.port, "GET", "/api/sequences?per=50", auth)
    sequences = [item["id"] for item in json.loads(body)["items"]]
    pages = max(1, min(total // 50, 2000))
    sorts = ["channel", "company", "status", "sequence", "owner"]
    filters = ["", "&channel=email", "&status=new", "&outcome=none", "&approved=true"]
    json_headers = {**auth, "Content-Type": "application/json"}

    def list_page(rng):
        query = (
            f"?page={rng.randint(1, pages)}&per=50&sort={rng.choice(sorts)}"
            f"&direction={rng.choice(['asc', 'desc'])}{rng.choice(filters)}"
        )
        return "GET", f"/api/outreaches{query}", auth, None

    def detail(rng):
        return "GET", f"/api/outreaches/{rng.choice(ids)}", auth, None

    def batch(rng):
        chosen = rng.sample(ids, min(args.batch_size, len(ids)))
        if rng.random() < 0.5:
            body = {"outreach_ids": chosen, "sequence_id": rng.choice(sequences)}
            return "PATCH", "/api/outreaches/batch_assign", json_headers, json.dumps(body)
        body = {"outreach_ids": chosen}
        return "PATCH", "/api/outreaches/batch_start_enrichment", json_headers, json.dumps(body)

    scenarios = [("list", list_page), ("detail", detail), ("batch", batch)]
    # A short warm-up, so the workers have loaded their code and opened their connections.
    drive("warm-up", app.port, detail, args.clients, 2, 200)

    results = []
    for name, make in scenarios:
        say(
            f"{name}: {args.clients} clients for {args.duration:g}s (at most {args.max_requests:,})"
        )
        results.append(
            drive(name, app.port, make, args.clients, args.duration, args.max_requests).summary()
        )
    report = {
        "server": f"gunicorn, {args.workers} sync workers, {HOST}:{app.port}",
        "database": app.env["DATABASE_URL"].split("://")[0],
        "outreaches": total,
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
    print("| scenario | requests | errors | req/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in report["results"]:
        print(
            f"| {r['scenario']} | {r['requests']:,} | {r['errors']} | {r['req_per_s']:,.1f} "
            f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |"
        )
        for error in r["first_errors"]:
            print(f"    error: {error}")


if __name__ == "__main__":
    sys.exit(main())
