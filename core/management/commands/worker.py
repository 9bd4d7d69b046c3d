"""`manage.py worker`: the background worker (core.worker) with the apps' housekeeping sweeps.

The same options as django_tasks_db's `db_worker`, without the autoreloader: a reloader's
parent process killed alone would leave its child working, so code changes mean a restart by
whatever supervises the worker (scripts/serve.sh under `make run`).
"""

from django.core.management.base import CommandError
from django_tasks_db.management.commands import db_worker

from core.worker import ResilientWorker, SweepThread, worker_sweeps


class Command(db_worker.Command):
    help = (
        "Run the background worker: queued tasks and the apps' periodic sweeps; it waits out "
        "database outages and reconnects."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(reload=False)
        parser.add_argument(
            "--sweep-tick",
            type=db_worker.valid_interval,
            default=5.0,
            help="Seconds between looks for due sweeps (default: %(default)r).",
        )
        parser.add_argument(
            "--sweep-every",
            type=db_worker.valid_interval,
            default=None,
            help="Run every sweep this often instead of at its own interval (e.g. in tests).",
        )
        parser.add_argument(
            "--no-sweeps", action="store_true", help="Run tasks only, no periodic sweeps."
        )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        sweep_tick: float,
        sweep_every: float | None,
        no_sweeps: bool,
        **options,
    ) -> None:
        if reload:
            raise CommandError("The worker does not reload; restart it after code changes.")
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        sweeper = None
        if not (no_sweeps or batch):
            sweeper = SweepThread(worker_sweeps, tick=sweep_tick, every=sweep_every)
        worker = ResilientWorker(
            on_reconnect=sweeper.run_all_now if sweeper is not None else None,
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if sweeper is not None:
            sweeper.start()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            if sweeper is not None:
                sweeper.stop()
