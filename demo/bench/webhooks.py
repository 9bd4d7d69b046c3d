"""The webhooks scenario: what publishing costs a batch transition with 0, 1 and 3 subscribed
endpoints, and how many deliveries one worker sends a second to a receiver on 127.0.0.1.

Runs in one transaction that is rolled back at the end, in a workspace of its own: nothing is
kept, nothing leaves the machine.
"""

import logging
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from contacts.models import Person
from core.scoping import everywhere
from integrations.models import Webhook
from integrations.webhooks import secrets
from integrations.webhooks.delivery import deliver_due
from integrations.webhooks.events import EVENT_TYPES
from outreach.models import Outreach
from outreach.services.transitions import outreaches_batch_transition
from workspaces.models import Workspace

from .scenarios import Bench

ENDPOINT_COUNTS = (0, 1, 3)


class _Rollback(Exception):
    pass


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def measure_webhooks(*, batch: int, deliveries: int, repeat: int) -> dict[str, Any]:
    """{"batch": [{endpoints, median_ms, statements, deliveries_written}], "delivery": {…}}."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    figures: dict[str, Any] = {}
    try:
        with override_settings(WEBHOOKS_ALLOW_PRIVATE=True), everywhere():
            try:
                with transaction.atomic():
                    figures = _measure(url, batch=batch, deliveries=deliveries, repeat=repeat)
                    raise _Rollback
            except _Rollback:
                pass
    finally:
        server.shutdown()
        server.server_close()
    return figures


def _measure(url: str, *, batch: int, deliveries: int, repeat: int) -> dict[str, Any]:
    workspace = Workspace.objects.create(name=f"bench webhooks {time.time_ns()}")
    person = Person.objects.create(workspace=workspace, first_name="Bench")
    batches = []
    for endpoints in ENDPOINT_COUNTS:
        while Webhook.objects.filter(workspace=workspace).count() < endpoints:
            Webhook.objects.create(
                workspace=workspace,
                url=url,
                events=list(EVENT_TYPES),
                secret_encrypted=secrets.encrypt(secrets.new_secret()),
            )
        times, statements = [], 0
        for _ in range(repeat):
            ids = _outreaches(workspace, person, batch)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                outreaches_batch_transition(ids=ids, name="wait", actor=None)
                times.append(time.perf_counter() - started)
            statements = len(queries.captured_queries)
        batches.append(
            {
                "endpoints": endpoints,
                "median_ms": round(statistics.median(times) * 1000, 1),
                "statements": statements,
                "deliveries_written": batch * endpoints,
            }
        )
    # One endpoint, and only the deliveries of a new batch of `deliveries` outreaches.
    endpoints = Webhook.objects.filter(workspace=workspace).order_by("pk")
    endpoints.exclude(pk=endpoints[0].pk).delete()
    endpoints[0].deliveries.all().delete()
    outreaches_batch_transition(
        ids=_outreaches(workspace, person, deliveries), name="wait", actor=None
    )
    started = time.perf_counter()
    counts = deliver_due()
    took = time.perf_counter() - started
    return {
        "batch_size": batch,
        "batch": batches,
        "delivery": {
            "sent": counts["succeeded"],
            "of": deliveries,
            "seconds": round(took, 2),
            "per_second": round(counts["succeeded"] / took),
        },
    }


def _outreaches(workspace, person, count: int) -> list[int]:
    made = Outreach.objects.bulk_create(
        Outreach(workspace=workspace, person=person, channel="email", current_state="starting")
        for _ in range(count)
    )
    return [o.pk for o in made]


def run_webhooks(bench: Bench, *, batch: int = 10_000, deliveries: int = 500) -> None:
    """make bench's webhooks group: one result holding both measurements."""
    figures = measure_webhooks(batch=batch, deliveries=deliveries, repeat=min(bench.repeat, 3))
    bench.results.append({"kind": "webhooks", "name": "webhooks", **figures})
    for row in figures["batch"]:
        sys.stderr.write(
            f"  webhooks   batch of {batch:,} with {row['endpoints']} endpoint(s)"
            f"{row['median_ms']:>30.2f} ms\n"
        )
    sys.stderr.write(
        f"  webhooks   one worker: {figures['delivery']['per_second']:,} deliveries a second\n"
    )
