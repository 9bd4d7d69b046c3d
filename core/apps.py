from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_tables(using: str = "default", **kwargs) -> None:
    """The database cache's table (CACHES), made by `migrate` as every other table is, so no
    deployment needs a step of its own. Does nothing when it exists or no cache is a database's."""
    call_command("createcachetable", database=using, verbosity=0)


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
        post_migrate.connect(create_cache_tables, sender=self)
        # Web requests (and only they) run under DATABASE_STATEMENT_TIMEOUT.
        request_started.connect(limit_web_statements, dispatch_uid="limit_web_statements")
