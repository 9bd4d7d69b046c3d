"""`manage.py bench_webhooks`: what webhooks cost a batch, and how fast one worker delivers.

Runs in one transaction that is rolled back at the end, against the configured database
(SQLite or PostgreSQL), with a receiver on 127.0.0.1: nothing is kept, nothing leaves the
machine. Prints, for a batch transition of `--batch` outreaches, its time and statements with
0, 1 and 3 subscribed endpoints, then deliveries sent per second by one worker.
"""

import logging
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from contacts.models import Person
from core.scoping import everywhere
from outreach.models import Outreach
from outreach.services.transitions import outreaches_batch_transition
from workspaces.models import Workspace

from ...models import Webhook
from ...webhooks import secrets
from ...webhooks.delivery import deliver_due
from ...webhooks.events import EVENT_TYPES


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


class Command(BaseCommand):
    help = "Measure webhooks: a batch's cost with 0, 1 and 3 endpoints; deliveries per second."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=10_000, help="Outreaches per batch.")
        parser.add_argument("--deliveries", type=int, default=500, help="Deliveries to send.")
        parser.add_argument("--repeat", type=int, default=3, help="Timed batches per setting.")

    def handle(self, *args, **options) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        try:
            with override_settings(WEBHOOKS_ALLOW_PRIVATE=True), everywhere():
                try:
                    with transaction.atomic():
                        self._run(url, **options)
                        raise _Rollback
                except _Rollback:
                    pass
        finally:
            server.shutdown()
            server.server_close()

    def _run(self, url: str, *, batch: int, deliveries: int, repeat: int, **_) -> None:
        workspace = Workspace.objects.create(name=f"bench webhooks {time.time_ns()}")
        person = Person.objects.create(workspace=workspace, first_name="Bench")
        self.stdout.write(f"{connection.vendor}: batch transition of {batch:,} outreaches")
        for endpoints in (0, 1, 3):
            while Webhook.objects.filter(workspace=workspace).count() < endpoints:
                Webhook.objects.create(
                    workspace=workspace,
                    url=url,
                    events=list(EVENT_TYPES),
                    secret_encrypted=secrets.encrypt(secrets.new_secret()),
                )
            times, statements = [], 0
            for _ in range(repeat):
                ids = self._outreaches(workspace, person, batch)
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    outreaches_batch_transition(ids=ids, name="wait", actor=None)
                    times.append(time.perf_counter() - started)
                statements = len(queries.captured_queries)
            self.stdout.write(
                f"  {endpoints} endpoint(s): {statistics.median(times) * 1000:,.0f} ms "
                f"(median of {repeat}), {statements} statements, "
                f"{batch * endpoints:,} deliveries written"
            )
        # One endpoint, and only the deliveries of a new batch of `deliveries` outreaches.
        endpoints = Webhook.objects.filter(workspace=workspace).order_by("pk")
        endpoints.exclude(pk=endpoints[0].pk).delete()
        endpoints[0].deliveries.all().delete()
        ids = self._outreaches(workspace, person, deliveries)
        outreaches_batch_transition(ids=ids, name="wait", actor=None)
        started = time.perf_counter()
        counts = deliver_due()
        took = time.perf_counter() - started
        self.stdout.write(
            f"{connection.vendor}: one worker delivered {counts['succeeded']:,} of "
            f"{deliveries:,} in {took:.2f} s ({counts['succeeded'] / took:,.0f} a second)"
        )

    def _outreaches(self, workspace, person, count: int) -> list[int]:
        made = Outreach.objects.bulk_create(
            Outreach(workspace=workspace, person=person, channel="email", current_state="starting")
            for _ in range(count)
        )
        return [o.pk for o in made]
