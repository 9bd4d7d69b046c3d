from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # The lower apps' hooks this app takes part in (see core.hooks).
        from outreach.services import effects
        from workspaces import audit

        from .webhooks import outbox

        audit.recorded.register(outbox.audit_recorded)
        effects.publish.register(outbox.emit)
