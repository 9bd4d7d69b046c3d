"""The local enrichment provider, slowed down, so a test can kill a worker in the middle of a
batch (tests/reliability/test_worker_crash.py)."""

import os
import time

from outreach.enrichment.local import LocalProvider


class SlowLocalProvider(LocalProvider):
    """LocalProvider that takes SLOW_PROVIDER_SECONDS (default 0.5) per chunk."""

    def enrich(self, contacts):
        time.sleep(float(os.environ.get("SLOW_PROVIDER_SECONDS", "0.5")))
        return super().enrich(contacts)
