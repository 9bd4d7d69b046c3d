"""Per-user API throttling over a rolling window, counted in the shared cache (core/limits.py).

DRF's own UserRateThrottle keeps every request's timestamp in one cache entry and rewrites it on
each request, which costs time in proportion to the rate; two counters cost the same whatever
the rate. The rate comes from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] (setting
API_THROTTLE_RATE), read on every request so tests can lower it. A refused request is a 429 with
Retry-After (the seconds until one more request fits), from DRF's exception handler.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from core.limits import RollingLimit, parse_rate, retry_after

__all__ = ["UserRateThrottle", "parse_rate"]


class UserRateThrottle(BaseThrottle):
    """At most N requests per user in any window of the period (`6000/min`, `100/s`,
    `50000/hour`, `1/day`), across every process. Anonymous requests are not counted here
    (they are refused by the permissions first)."""

    scope = "user"

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request, view) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        user = getattr(request, "user", None)
        if rate is None or user is None or not user.is_authenticated:
            return True
        limit, period = parse_rate(rate)
        self._wait = RollingLimit(f"api-{self.scope}", limit, period).hit(str(user.pk))
        return self._wait is None

    def wait(self) -> float | None:
        return None if self._wait is None else retry_after(self._wait)
