"""Reads of mailboxes and messages that more than one screen needs."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .choices import MessageStatus
from .models import Mailbox, Message


def mailboxes() -> QuerySet[Mailbox]:
    """Mailboxes of the workspace in scope, with their owners, by name."""
    return Mailbox.objects.select_related("owner").order_by("name", "id")


def outreach_messages(outreach_id: int) -> QuerySet[Message]:
    """An outreach's messages, oldest first."""
    return Message.objects.filter(outreach_id=outreach_id).defer("raw").order_by("created_at", "id")


def sent_in_last_day(mailbox: Mailbox, *, now: datetime.datetime | None = None) -> int:
    """Messages the mailbox sent in the last 24 hours (the daily limit is over any 24 hours)."""
    now = now or timezone.now()
    return Message.objects.filter(
        mailbox=mailbox,
        status__in=(MessageStatus.SENT, MessageStatus.SENDING, MessageStatus.UNCERTAIN),
        sent_at__gt=now - datetime.timedelta(hours=24),
    ).count()
