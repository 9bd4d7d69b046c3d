"""Load: the app under gunicorn on 127.0.0.1, driven by concurrent clients through the list, the
detail and a batch; throughput, p50/p99 latency and errors per scenario.

Used by `make bench` (its `load` group, over the bench database) and by `scripts/load.py` (over a
database it seeds). Imports nothing of Django: the script runs it without settings.
"""

import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"  # the only address load is ever sent to
ROOT = Path(__file__).resolve().parent.parent.parent

# Targets on a two-core machine, server, database and clients sharing it.
TARGET_REQ_PER_S = {"list": 300.0, "detail": 1_000.0}
TARGET_P99_MS = 100.0

LIST_SORTS = ("channel", "company", "status", "sequence", "owner")
LIST_FILTERS = ("", "&channel=email", "&status=new", "&outcome=none", "&approved=true")
# Numbered pages 1–200 of 50 rows: what people page through; deeper reading is cursor pages,
# whose cost does not grow with the depth (the bench's cursor group).
LIST_PAGES = 200
LIST_PER = 50

Request = tuple[str, str, dict[str, str], str | None]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def production_env(database_url: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a small production install on loopback over `database_url`: DEBUG
    off, plain http, no per-user throttle to speak of (one client token sends far more than a
    person would: measure the app, not the throttle, whose counter is still paid on every
    request)."""
    env = {
        key: value
        for key, value in (os.environ if base is None else base).items()
        if key not in {"DATABASE_URL", "DEBUG", "ALLOWED_HOSTS"}
    }
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("SECRETS_KEY", secrets.token_urlsafe(32))
    env.update(
        DJANGO_SETTINGS_MODULE="outreach_site.settings",
        DEBUG="0",
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        API_THROTTLE_RATE="100000000/min",
        LOG_LEVEL="WARNING",
    )
    return env


class Gunicorn:
    """`gunicorn outreach_site.wsgi` with `workers` processes of `threads` threads each (as
    `make run` starts it) on a free loopback port, in a process group of its own so stopping it
    leaves nothing behind."""

    def __init__(self, env: dict[str, str], workers: int, threads: int, log: Path):
        self.env = env
        self.workers = workers
        self.threads = threads
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "outreach_site.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--backlog",
            "256",
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped:\n{self.log.read_text()[-3000:]}")
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
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

        summary = {
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
        summary["meets"] = meets(summary)
        return summary


def meets(summary: dict) -> dict[str, bool]:
    """The targets a scenario's summary is held to (a batch has no rate target)."""
    found = {"errors": summary["errors"] == 0, "p99": summary["p99_ms"] <= TARGET_P99_MS}
    if summary["scenario"] in TARGET_REQ_PER_S:
        found["rate"] = summary["req_per_s"] >= TARGET_REQ_PER_S[summary["scenario"]]
    return found


def drive(
    name: str,
    port: int,
    make_request: Callable[[random.Random], Request],
    clients: int,
    duration: float,
    max_requests: int,
) -> Result:
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


def scenarios(
    token: str, ids: list[str], sequences: list[str], batch_size: int
) -> list[tuple[str, Callable[[random.Random], Request]]]:
    """List pages (random page, sort, direction and filter), details of random outreaches, and
    batches of `batch_size` random ids — half `batch_assign`, half `batch_start_enrichment` — as
    dry runs: every check, lock and write of the batch, rolled back, so the data stays as it was
    and every run measures the same rows."""
    auth = {"Authorization": f"Token {token}"}
    json_headers = {**auth, "Content-Type": "application/json"}

    def list_page(rng):
        query = (
            f"?page={rng.randint(1, LIST_PAGES)}&per={LIST_PER}&sort={rng.choice(LIST_SORTS)}"
            f"&direction={rng.choice(['asc', 'desc'])}{rng.choice(LIST_FILTERS)}"
        )
        return "GET", f"/api/outreaches{query}", auth, None

    def detail(rng):
        return "GET", f"/api/outreaches/{rng.choice(ids)}", auth, None

    def batch(rng):
        body = {"outreach_ids": rng.sample(ids, min(batch_size, len(ids))), "dry_run": True}
        if rng.random() < 0.5:
            body["sequence_id"] = rng.choice(sequences)
            return "PATCH", "/api/outreaches/batch_assign", json_headers, json.dumps(body)
        return "PATCH", "/api/outreaches/batch_start_enrichment", json_headers, json.dumps(body)

    return [("list", list_page), ("detail", detail), ("batch", batch)]


def run(
    port: int,
    token: str,
    ids: list[str],
    sequences: list[str],
    *,
    clients: int,
    duration: float,
    max_requests: int,
    batch_size: int,
    say: Callable[[str], None] = lambda message: None,
) -> list[dict]:
    """Each scenario in turn against the server on `port`, after a short warm-up (so the workers
    have loaded their code and opened their connections); their summaries."""
    made = scenarios(token, ids, sequences, batch_size)
    drive("warm-up", port, dict(made)["detail"], clients, 2, 200)
    results = []
    for name, make in made:
        say(f"{name}: {clients} clients for {duration:g}s (at most {max_requests:,})")
        results.append(drive(name, port, make, clients, duration, max_requests).summary())
    return results
