from django.apps import AppConfig


class SendingConfig(AppConfig):
    name = "sending"
    verbose_name = "Sending"

    def ready(self) -> None:
        # The lower apps' hooks this app takes part in (see core.hooks), the worker's sweeps,
        # and the start-up check that stored secrets can be encrypted.
        from django.conf import settings
        from django.core import checks

        from contacts import services as contacts_services
        from core import crypto
        from core.worker import worker_sweeps
        from followups import services as followups_services
        from outreach.services import outreaches, sequences, transitions

        from . import engine, erasure, running, templating

        sequences.steps_check.register(templating.check_steps)
        contacts_services.person_erased.register(erasure.person_erased)
        checks.register(crypto.check_secrets_key)
        # A running sequence's part in the outreach's moves, and in its steps' to-dos.
        outreaches.sequence_moving.register(running.sequence_moving)
        transitions.sequences_finished.register(running.cancel_scheduled)
        followups_services.step_settled.register(running.step_settled)
        # Every worker sends what is due and finds sends that lost their worker.
        worker_sweeps.register(engine.send_due_sweep, every=settings.SENDING_EVERY_SECONDS)
        worker_sweeps.register(engine.settle_stalled_sends, every=60)
