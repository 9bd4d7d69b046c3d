"""Reads of inbound messages that more than one screen needs."""

from django.db.models import QuerySet

from sending.models import Mailbox

from .models import InboundMessage, MailboxPoll

# What lists show (the raw bytes are read only when downloaded).
LIST_FIELDS = (
    "id",
    "workspace_id",
    "mailbox_id",
    "from_address",
    "from_name",
    "to",
    "subject",
    "date",
    "message_id",
    "in_reply_to",
    "references",
    "text",
    "classification",
    "bounce_kind",
    "bounce_status",
    "bounced_recipient",
    "returns_at",
    "outreach_id",
    "person_id",
    "effects_note",
    "received_at",
)


def inbound_messages() -> QuerySet[InboundMessage]:
    """Inbound messages of the workspace in scope, newest first, without their bytes."""
    return InboundMessage.objects.only(*LIST_FIELDS).order_by("-received_at", "-id")


def inbound_for(*, outreach_id: int | None = None, person_id: int | None = None, limit: int = 20):
    """An outreach's or a person's inbound messages, newest first (their pages' timelines)."""
    messages = inbound_messages()
    if outreach_id is not None:
        messages = messages.filter(outreach_id=outreach_id)
    elif person_id is not None:
        messages = messages.filter(person_id=person_id)
    else:
        return []
    return list(messages[:limit])


def mailbox_polls() -> list[tuple[Mailbox, MailboxPoll | None]]:
    """The workspace's mailboxes that have IMAP settings, each with where its polling stands."""
    mailboxes = list(Mailbox.objects.exclude(imap_host="").order_by("name", "id"))
    polls = {
        poll.mailbox_id: poll
        for poll in MailboxPoll.objects.filter(mailbox_id__in=[box.pk for box in mailboxes])
    }
    return [(box, polls.get(box.pk)) for box in mailboxes]
