"""Rate limits over rolling windows, counted in the cache every process shares.

Used by the API throttle (core/api/throttling.py), the login lock-out (core/security.py) and the
brake on guessed API tokens (core/api/authentication.py). The cache is the database cache by
default and Redis when REDIS_URL is set (settings), so every gunicorn worker and every machine
counts against the same budget.

Why not a library: django-ratelimit counts in fixed windows (up to twice the rate across a
boundary) and leaves the answer (429, Retry-After) to us; django-axes brings its own models,
middleware and lock-out pages, records a failure only after its password was checked (a
parallel burst is checked whole), and has no API throttle. Neither counts a rolling window, and
we would still need the counter for the API. So one small counter, written once here.

The rolling window is the usual two-counter estimate: the count of the current clock window
plus the previous window's count weighted by how much of it still lies within the last
`period` seconds. Two cache entries per subject, one atomic increment and one read per event,
whatever the rate; a burst at the end of one window and the start of the next is held to about
the rate, not twice it. An event that is refused is not counted (so a client that keeps
knocking is let in again at the rate), and its answer says how long to wait.
"""

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`6000/min` -> (6000, 60): DRF's notation, the period named by its first letter."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def retry_after(seconds: float) -> int:
    """A Retry-After value: whole seconds, at least one."""
    return max(math.ceil(seconds), 1)


def _increment(key: str, timeout: int) -> int:
    """Add one to a counter, creating it, atomically in every backend we configure."""
    for _ in range(3):
        try:
            return cache.incr(key)
        except ValueError:  # not there (or expired): the first event of its window
            if cache.add(key, 1, timeout):
                return 1
    return cache.incr(key)


def _decrement(key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing left to take back
        cache.decr(key)


@dataclass(frozen=True)
class RollingLimit:
    """At most `limit` events per `period` seconds for each subject (a user, an address…),
    counted under `name`."""

    name: str
    limit: int
    period: int

    def _keys(self, subject: str, now: float) -> tuple[str, str, float]:
        window, into = divmod(now, self.period)
        # Hashed: usernames and addresses are not kept in the cache in clear.
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        base = f"limit:{self.name}:{self.period}:{digest}:"
        return base + str(int(window) - 1), base + str(int(window)), into / self.period

    def _within(self, previous: int, current: int, fraction: float) -> bool:
        # The estimate is a float: a hair over the limit from rounding is still within it.
        return previous * (1 - fraction) + current <= self.limit + 1e-9

    def _wait(self, previous: int, current: int, fraction: float) -> float:
        """Seconds until one more event fits, given the counts without it."""
        room = self.limit - current - 1  # what the previous window's share may still be
        if room >= 0:
            if previous <= room:
                return 0.0
            return (1 - room / previous - fraction) * self.period
        # The current window alone is full: wait into the next one, where it is the previous.
        share = 1 - (self.limit - 1) / current
        return (1 - fraction + share) * self.period

    def hit(self, subject: str) -> float | None:
        """Count one event. None when it is within the limit; otherwise it is not counted and
        the answer is the seconds until one would be."""
        previous_key, current_key, fraction = self._keys(subject, time.time())
        current = _increment(current_key, 2 * self.period + 1)
        previous = cache.get(previous_key) or 0
        if self._within(previous, current, fraction):
            return None
        _decrement(current_key)
        return max(self._wait(previous, current - 1, fraction), 0.0)

    def wait(self, subject: str) -> float | None:
        """Without counting: None when one more event would be within the limit, otherwise
        the seconds until it would be."""
        previous_key, current_key, fraction = self._keys(subject, time.time())
        counts = cache.get_many([previous_key, current_key])
        previous, current = counts.get(previous_key) or 0, counts.get(current_key) or 0
        if self._within(previous, current + 1, fraction):
            return None
        return max(self._wait(previous, current, fraction), 0.0)

    def undo(self, subject: str) -> None:
        """Take back one event counted by hit() (one that turned out not to count)."""
        _decrement(self._keys(subject, time.time())[1])

    def reset(self, subject: str) -> None:
        """Forget the subject's events."""
        cache.delete_many(list(self._keys(subject, time.time())[:2]))
