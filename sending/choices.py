"""The enum values of sending: kinds of mailbox, connection security, message status, days."""

import datetime

from django.db import models


class MailboxKind(models.TextChoices):
    LOCAL = "local", "Local (builds and stores messages, sends nothing)"
    SMTP = "smtp", "SMTP server"


class Security(models.TextChoices):
    STARTTLS = "starttls", "STARTTLS"
    SSL = "ssl", "SSL/TLS"
    NONE = "none", "None (plain text)"


class MessageStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    # Handed to the server, but the worker stopped before recording the answer: a person
    # decides whether it went out; it is never sent again by itself.
    UNCERTAIN = "uncertain", "Uncertain"


# Days of the sending window, in calendar order (Python's weekday() is the index).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_CHOICES = [(day, day.capitalize()) for day in WEEKDAYS]

# A mailbox's defaults (SPEC, "Sequences that run").
DEFAULT_DAILY_LIMIT = 50
DEFAULT_MIN_INTERVAL_SECONDS = 90
DEFAULT_WINDOW_START = datetime.time(9, 0)
DEFAULT_WINDOW_END = datetime.time(17, 0)
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_IMAP_FOLDER = "INBOX"
DEFAULT_SMTP_PORT = 587
DEFAULT_IMAP_PORT = 993
MAX_DAILY_LIMIT = 10_000
MAX_MIN_INTERVAL_SECONDS = 24 * 3600
MAX_SIGNATURE = 5_000


def default_window_days() -> list[str]:
    return list(WEEKDAYS[:5])
