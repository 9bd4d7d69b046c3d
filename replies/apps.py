from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "replies"
    verbose_name = "Replies"

    def ready(self) -> None:
        # The worker's sweep: every worker polls the mailboxes that have IMAP settings (a lease
        # on each mailbox's poll keeps two from reading the same one at once); a person's
        # erasure blanks what they sent in.
        from django.conf import settings

        from contacts import services as contacts_services
        from core.worker import worker_sweeps

        from . import erasure, polling

        worker_sweeps.register(polling.poll_mailboxes, every=settings.IMAP_POLL_SECONDS)
        contacts_services.person_erased.register(erasure.person_erased)
