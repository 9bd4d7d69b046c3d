"""`manage.py work --once`: all background work that is due now, then exit.

Queued tasks (enrichment, webhook deliveries), then every registered sweep (due sequence
steps, stalled sends, mailbox polls, recoveries), again and again until a round finds nothing
to do. For cron, and for tests that want the worker's effects without a worker running.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.management.commands.db_worker import Worker

from core.worker import worker_sweeps

# A round that keeps finding work (new work arriving as fast as it is done) ends the run here.
MAX_ROUNDS = 100


class Command(BaseCommand):
    help = (
        "Do all background work that is due now (queued tasks, due sequence steps, mailbox "
        "polls, webhook deliveries) until nothing is due, then exit."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Required: work until nothing is due, then exit (`manage.py worker` keeps "
            "running).",
        )

    def handle(self, *, once: bool, verbosity: int, **options) -> None:
        if not once:
            raise CommandError("Say --once (or run `manage.py worker`, which keeps running).")
        tasks = done = 0
        for _round in range(MAX_ROUNDS):
            ran = self.run_tasks()
            worked = sum(self.run_sweep(sweep) for sweep in worker_sweeps)
            tasks += ran
            done += worked
            if not ran and not worked:
                break
        if verbosity:
            self.stdout.write(f"Ran {tasks} queued task(s) and {done} item(s) of due work.")

    def run_tasks(self) -> int:
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"work-once-{os.getpid()}",
            excluded_queue_names=[],
        )
        worker.run()
        return worker._run_tasks

    def run_sweep(self, sweep) -> int:
        """How much one sweep did: its count, 1 for True (it queued work), else nothing."""
        result = sweep.function()
        return int(result) if isinstance(result, int) else 0
