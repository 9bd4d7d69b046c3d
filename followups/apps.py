from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = "Follow-ups"

    def ready(self) -> None:
        # The lower apps' hooks this app takes part in (see core.hooks).
        from contacts import services as contacts_services

        from . import erasure

        contacts_services.person_erased.register(erasure.person_erased)
