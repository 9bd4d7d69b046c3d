from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares; it has no models of its own."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.core.signals import request_started

        from .dashboard.converters import register_public_id_converters
        from .db import limit_web_statements

        # `<out:pk>`, `<per:pk>`, … for every app's URL patterns, before any is loaded.
        register_public_id_converters()
        # Web requests (and only they) run under DATABASE_STATEMENT_TIMEOUT.
        request_started.connect(limit_web_statements, dispatch_uid="limit_web_statements")
