from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save, pre_delete


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "Outreach"

    def ready(self) -> None:
        # The lower apps' hooks this app takes part in (see core.hooks).
        from contacts import services as contacts_services
        from core.worker import worker_sweeps
        from jobs import services as jobs_services

        from . import selectors, tasks
        from .services import erasure, sort_keys

        contacts_services.company_changed.register(sort_keys.company_changed)
        contacts_services.person_erased.register(erasure.person_erased)
        # Every worker looks for enrichment work that lost its worker (outreach.tasks).
        worker_sweeps.register(tasks.enrichment_sweep, every=tasks.SWEEP_EVERY_SECONDS)
        jobs_services.latest_touch.register(selectors.job_latest_touch)
        # Usernames are edited through Django's own user admin, which has no service to call.
        post_save.connect(
            sort_keys.user_renamed, sender=settings.AUTH_USER_MODEL, dispatch_uid="sort_owner"
        )
        pre_delete.connect(
            sort_keys.user_deleted, sender=settings.AUTH_USER_MODEL, dispatch_uid="sort_owner"
        )
