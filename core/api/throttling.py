"""Per-user API throttling: a fixed-window counter in the cache.

DRF's own UserRateThrottle keeps every request's timestamp in one cache entry and rewrites it on
each request, which costs time in proportion to the rate; a counter costs the same whatever the
rate. The rate comes from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] (setting
API_THROTTLE_RATE), read on every request so tests can lower it. A refused request is a 429 with
Retry-After (the seconds until the window ends), from DRF's exception handler.
"""

import math
import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`6000/min` -> (6000, 60): DRF's notation, the period named by its first letter."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


class UserRateThrottle(BaseThrottle):
    """At most N requests per user per window (`6000/min`, `100/s`, `50000/hour`, `1/day`).

    Windows are aligned to the clock, so a client may send up to twice the rate across a window
    boundary; that is the price of a constant-cost check. Anonymous requests are not counted
    here (they are refused by the permissions first).
    """

    scope = "user"

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request, view) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        user = getattr(request, "user", None)
        if rate is None or user is None or not user.is_authenticated:
            return True
        limit, duration = parse_rate(rate)
        now = time.time()
        window = int(now // duration)
        key = f"throttle:{self.scope}:{user.pk}:{duration}:{window}"
        # add() then incr() is atomic in the cache backends that matter (local memory, Redis).
        cache.add(key, 0, duration + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the entry expired between add and incr
            cache.set(key, 1, duration + 1)
            count = 1
        if count <= limit:
            return True
        self._wait = (window + 1) * duration - now
        return False

    def wait(self) -> float | None:
        return None if self._wait is None else max(math.ceil(self._wait), 1)
