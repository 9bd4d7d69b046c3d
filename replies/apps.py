from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "replies"
    verbose_name = "Replies"

    def ready(self) -> None:
        # The worker's sweep: every worker polls the mailboxes that have IMAP settings (a lease
        # on each mailbox's poll keeps two from reading the same one at once).
        from django.conf import settings

        from core.worker import worker_sweeps

        from . import polling

        worker_sweeps.register(polling.poll_mailboxes, every=settings.IMAP_POLL_SECONDS)
