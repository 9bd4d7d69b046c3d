"""Background work of integrations: delivering webhooks (see integrations.webhooks.delivery)."""

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from core.scoping import everywhere

from .webhooks.delivery import deliver_due, next_wake_at


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
