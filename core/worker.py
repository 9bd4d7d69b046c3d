"""The background worker: django_tasks_db's worker loop, made to outlive database outages, and
the periodic housekeeping ("sweeps") apps register for it.

`manage.py worker` runs it. A database error that escapes the loop (the server restarted, the
connection was cut, the network dropped) is logged; the worker drops its connections, waits
with a growing pause and goes on. Tasks are claimed by locking their rows, so several workers
may run at once; each runs every sweep, so a sweep must be safe to run twice at the same time.

Apps register sweeps in their AppConfig.ready:

    from core.worker import worker_sweeps
    worker_sweeps.register(idempotency_keys_prune, every=3600)
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)

# The pause after a database error doubles from the first to the last, then stays there.
BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0


@dataclass
class Sweep:
    """One registered sweep and, in this process, when it runs next."""

    function: Callable[[], object]
    every: float
    due: float = 0.0  # time.monotonic() of the next run

    @property
    def name(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"


class Sweeps:
    """Functions (no arguments) a worker calls every `every` seconds, from its own thread."""

    def __init__(self) -> None:
        self._sweeps: dict[Callable[[], object], Sweep] = {}

    def register(self, function: Callable[[], object], *, every: float) -> Callable[[], object]:
        if every <= 0:
            raise ValueError("A sweep runs every so many seconds, more than 0.")
        self._sweeps[function] = Sweep(function=function, every=every)
        return function

    def __iter__(self):
        return iter(list(self._sweeps.values()))

    def __repr__(self) -> str:
        return f"<Sweeps: {', '.join(sweep.name for sweep in self) or 'none'}>"


worker_sweeps = Sweeps()


def run_due_sweeps(
    sweeps: Sweeps, now: float | None = None, every: float | None = None
) -> list[str]:
    """Run the sweeps that are due; a failing one is logged and tried again when next due.
    `every` replaces each sweep's own interval. Returns the names of those that ran. Closes this
    thread's connections afterwards, so an idle worker holds none for its housekeeping."""
    now = time.monotonic() if now is None else now
    ran = []
    try:
        for sweep in sweeps:
            if sweep.due > now:
                continue
            sweep.due = now + (every or sweep.every)
            try:
                sweep.function()
            except Exception:  # one sweep's failure must not stop the others or the worker
                logger.exception("worker sweep %s failed", sweep.name)
            ran.append(sweep.name)
    finally:
        connections.close_all()
    return ran


class SweepThread(threading.Thread):
    """Runs the due sweeps beside the task loop (a daemon: it dies with the worker)."""

    def __init__(self, sweeps: Sweeps, tick: float, every: float | None = None):
        super().__init__(name="worker-sweeps", daemon=True)
        self.sweeps = sweeps
        self.tick = tick
        self.every = every
        self.stopping = False
        self._woken = threading.Event()

    def run(self) -> None:
        while not self.stopping:
            run_due_sweeps(self.sweeps, every=self.every)
            self._woken.wait(self.tick)
            self._woken.clear()

    def run_all_now(self) -> None:
        """Make every sweep due at once (after an outage: work may have been lost in it)."""
        for sweep in self.sweeps:
            sweep.due = 0.0
        self._woken.set()

    def stop(self) -> None:
        self.stopping = True
        self._woken.set()


class ResilientWorker(Worker):
    """django_tasks_db's Worker whose loop is started again after a database error.

    A task the error interrupted keeps its row in RUNNING (the error also stopped the worker
    from recording the failure); the app's recovery sweeps find such work (e.g. enrichment's),
    and `on_reconnect` (the command: run every sweep now) gives them their chance at once.
    """

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_reconnect: Callable[[], None] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.sleep = sleep
        self.on_reconnect = on_reconnect
        self.outages = 0

    def run(self) -> None:
        pause = BACKOFF_FIRST_SECONDS
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # stopped (a signal), or --batch / --max-tasks reached
            except (OperationalError, InterfaceError) as exc:
                self.outages += 1
                if time.monotonic() - started > BACKOFF_MAX_SECONDS:
                    pause = BACKOFF_FIRST_SECONDS  # it had been working: a new outage
                logger.warning(
                    "worker %s: database error (%s: %s); reconnecting in %.1fs",
                    self.worker_id,
                    type(exc).__name__,
                    str(exc).strip(),
                    pause,
                )
                # Drop this thread's connections: the next query opens a new one.
                for connection in connections.all(initialized_only=True):
                    with contextlib.suppress(Exception):
                        connection.close()
                self.sleep(pause)
                pause = min(pause * 2, BACKOFF_MAX_SECONDS)
                if self.on_reconnect is not None:
                    self.on_reconnect()
