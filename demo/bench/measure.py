"""Timing and query counting: medians and p95 over repeated runs, statements as executed."""

import math
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

# Transaction bookkeeping is not work the code asked for: left out of query counts.
_BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


@dataclass
class Timing:
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_ms": round(self.median, 3),
            "p95_ms": round(self.p95, 3),
            "runs": len(self.samples_ms),
        }


def timed(
    run: Callable[[], Any],
    *,
    repeat: int,
    warmup: int = 1,
    budget_s: float | None = None,
    setup: Callable[[], Any] | None = None,
) -> Timing:
    """Call `run` `warmup` times untimed, then `repeat` times timed (fewer when `budget_s`
    seconds of timed runs are spent, but at least two). `setup` runs untimed before each call."""
    for _ in range(warmup):
        if setup is not None:
            setup()
        run()
    samples: list[float] = []
    spent = 0.0
    for _ in range(repeat):
        if setup is not None:
            setup()
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
        samples.append(elapsed * 1000)
        spent += elapsed
        if budget_s is not None and spent > budget_s and len(samples) >= 2:
            break
    return Timing(samples)


@dataclass
class Statement:
    sql: str
    params: Any
    many: bool = False


@dataclass
class Recorder:
    """The statements sent to the database while recording, with their parameters."""

    statements: list[Statement] = field(default_factory=list)

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(Statement(sql, params, many))
        return execute(sql, params, many, context)

    @property
    def work(self) -> list[Statement]:
        """The statements that do work (transaction bookkeeping left out)."""
        return [s for s in self.statements if not s.sql.lstrip().upper().startswith(_BOOKKEEPING)]


@contextmanager
def recording():
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        yield recorder
