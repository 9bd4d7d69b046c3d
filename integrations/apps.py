from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # The lower apps' hooks this app takes part in (see core.hooks).
        from core.worker import worker_sweeps
        from outreach.services import effects
        from workspaces import audit

        from . import idempotency, tasks
        from .webhooks import outbox

        audit.recorded.register(outbox.audit_recorded)
        effects.publish.register(outbox.emit)
        effects.publish_many.register(outbox.emit_many)
        # Every worker expires idempotency keys and picks up deliveries whose run was lost.
        worker_sweeps.register(idempotency.sweep_expired_keys, every=3600)
        worker_sweeps.register(tasks.queue_overdue_deliveries, every=60)
