from django.apps import AppConfig


class SendingConfig(AppConfig):
    name = "sending"
    verbose_name = "Sending"

    def ready(self) -> None:
        # The lower apps' hooks this app takes part in (see core.hooks), and the start-up check
        # that stored secrets can be encrypted.
        from django.core import checks

        from core import crypto
        from outreach.services import sequences

        from . import templating

        sequences.steps_check.register(templating.check_steps)
        checks.register(crypto.check_secrets_key)
