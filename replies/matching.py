"""Which outreach and person an inbound message is about: the reads classification asks.

A message answers what we sent when its In-Reply-To or References (a bounce: the Message-ID of
the returned copy) name a sent message's Message-ID; a bounce without them is matched by the
address it failed for; anything else by the sender's address, to a person with a running
outreach. Every read names the workspace itself, so it works the same in a request, the worker
and a command.
"""

from django.db.models.functions import Lower

from contacts.models import Person
from outreach.choices import RUNNING_STATES
from outreach.models import Outreach
from sending.choices import MessageStatus
from sending.models import Message

from .classify import SENDER, THREAD, Bounce, Matched, Parsed

RECIPIENT = "recipient"


def by_thread(workspace_id: int, ids: list[str]) -> Matched | None:
    """The outreach of the sent message nearest in the thread (`ids`, nearest first)."""
    ids = [value for value in ids if value][:50]
    if not ids:
        return None
    found = dict(
        Message._base_manager.filter(
            workspace_id=workspace_id, message_id__in=ids, outreach__isnull=False
        ).values_list("message_id", "outreach_id")
    )
    for value in ids:
        if value in found:
            outreach = Outreach._base_manager.filter(pk=found[value]).values("person_id").first()
            if outreach is not None:
                return Matched(outreach_id=found[value], person_id=outreach["person_id"], by=THREAD)
    return None


def by_recipient(workspace_id: int, address: str) -> Matched | None:
    """The outreach of the latest message sent to the address a bounce failed for."""
    if not address:
        return None
    sent = (
        Message._base_manager.annotate(to_lower=Lower("to"))
        .filter(
            workspace_id=workspace_id,
            to_lower=address.lower(),
            outreach__isnull=False,
            status=MessageStatus.SENT,
        )
        .order_by("-sent_at", "-pk")
        .values_list("outreach_id", "outreach__person_id")
        .first()
    )
    if sent is None:
        return None
    return Matched(outreach_id=sent[0], person_id=sent[1], by=RECIPIENT)


def people_with_address(workspace_id: int, address: str) -> list[int]:
    if not address:
        return []
    return list(
        Person._base_manager.annotate(email_lower=Lower("email"))
        .filter(workspace_id=workspace_id, email_lower=address.lower())
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def by_sender(workspace_id: int, address: str) -> Matched | None:
    """The latest running outreach of a person with the sender's address (`by` "sender"), else
    just the person (`by` empty: known, but nothing running to answer)."""
    people = people_with_address(workspace_id, address)
    if not people:
        return None
    running = (
        Outreach._base_manager.filter(
            workspace_id=workspace_id, person_id__in=people, current_state__in=RUNNING_STATES
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", "person_id")
        .first()
    )
    if running is not None:
        return Matched(outreach_id=running[0], person_id=running[1], by=SENDER)
    return Matched(person_id=people[0])


def match(parsed: Parsed, *, workspace_id: int, bounce: Bounce | None) -> Matched:
    """What the message is about (see the module's docstring); Matched() for nothing."""
    if bounce is not None:
        ids = [bounce.original_message_id, *parsed.thread_ids]
        return (
            by_thread(workspace_id, ids)
            or by_recipient(workspace_id, bounce.recipient)
            or by_sender(workspace_id, bounce.recipient)
            or Matched()
        )
    return (
        by_thread(workspace_id, parsed.thread_ids)
        or by_sender(workspace_id, parsed.from_address)
        or Matched()
    )
