"""A person's erasure, as far as sending goes: the messages sent to them.

Registered on `contacts.services.person_erased` in `SendingConfig.ready`; runs inside the
erasure's transaction.
"""

from django.utils import timezone

from .models import Message


def person_erased(*, person_id: int, **_) -> None:
    """Blank the recipient, subject, body and stored bytes of every message of the person's
    outreaches (one UPDATE). The rows stay: a mailbox's daily limit counts them."""
    Message.objects.filter(outreach__person_id=person_id).update(
        to="", subject="", body="", raw=b"", updated_at=timezone.now()
    )
