"""`manage.py deliver_webhooks`: send every due webhook delivery now, in this process.

The worker does this after each change commits and again when retries fall due; the command
is for a queue that was lost, or to watch deliveries go out (`--loop` keeps at it)."""

import time

from django.core.management.base import BaseCommand

from core.scoping import everywhere

from ...webhooks.delivery import deliver_due


class Command(BaseCommand):
    help = "Send every due webhook delivery (with --loop, keep sending as they fall due)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep going; Ctrl-C stops.")
        parser.add_argument(
            "--every", type=float, default=5.0, help="Seconds between rounds with --loop."
        )

    def handle(self, *args, **options) -> None:
        while True:
            with everywhere():
                counts = deliver_due()
            if any(counts.values()) or not options["loop"]:
                self.stdout.write(", ".join(f"{name} {n}" for name, n in counts.items()))
            if not options["loop"]:
                return
            time.sleep(options["every"])
