from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares; it has no models of its own."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from .dashboard.converters import register_public_id_converters

        # `<out:pk>`, `<per:pk>`, … for every app's URL patterns, before any is loaded.
        register_public_id_converters()
