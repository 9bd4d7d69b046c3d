"""`manage.py reclassify [--since DATE]`: classify kept inbound messages again after a change
of the rules; a message whose classification changed acts as that classification now (once:
what already ran for it does not run again)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from replies.services import reclassify


def _since(value: str) -> datetime.datetime:
    when = parse_datetime(value)
    if when is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--since {value!r}: use a date (2025-03-01) or a date and time.")
        when = datetime.datetime.combine(day, datetime.time.min)
    if timezone.is_naive(when):
        when = timezone.make_aware(when, datetime.UTC)
    return when


class Command(BaseCommand):
    help = "Classify kept inbound messages again (after a rule change); effects run only once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            help="Only messages received on or after this date (YYYY-MM-DD) or moment.",
        )

    def handle(self, *args, since=None, **options):
        result = reclassify(since=_since(since) if since else None)
        self.stdout.write(
            f"{result.examined} message(s) examined, {result.changed} classified differently, "
            f"{result.acted} acted on."
        )
