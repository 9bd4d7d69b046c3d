"""Background work of integrations: delivering webhooks (see integrations.webhooks.delivery)."""

import datetime

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from core.scoping import everywhere

from .webhooks.delivery import deliver_due, due, next_wake_at

# A delivery due this long without a run taking it lost its run (an enqueue that failed, a
# comeback whose cache key was evicted): the worker's sweep queues one.
OVERDUE_AFTER = datetime.timedelta(minutes=1)


@task()
def deliver_webhooks() -> dict[str, int]:
    """Send every due delivery; then come back when the next retry (or a lost worker's lease)
    is due. Many runs finding the same next moment schedule one comeback between them."""
    with everywhere():  # deliveries of every workspace; each knows its endpoint
        counts = deliver_due()
        wake_at = next_wake_at()
    if wake_at is not None and deliver_webhooks.get_backend().supports_defer:
        seconds = max(int((wake_at - timezone.now()).total_seconds()) + 60, 60)
        if cache.add(f"webhooks:wake:{wake_at.isoformat()}", 1, timeout=seconds):
            deliver_webhooks.using(run_after=wake_at).enqueue()
    return counts


def queue_overdue_deliveries() -> bool:
    """Worker sweep: queue a delivery run when a delivery has waited past its time; True if it
    did. A run too many is harmless: runs claim deliveries under row locks."""
    with everywhere():
        overdue = due(timezone.now() - OVERDUE_AFTER).exists()
    if overdue:
        deliver_webhooks.enqueue()
    return overdue
