"""A person's erasure, as far as what came back in goes: the messages matched to them.

Registered on `contacts.services.person_erased` in `RepliesConfig.ready`; runs inside the
erasure's transaction.
"""

from django.utils import timezone

from .models import InboundMessage


def person_erased(*, person_id: int, **_) -> None:
    """Blank everything that says who they are or what they wrote in every inbound message
    matched to the person (one UPDATE). The rows stay, with their classification."""
    InboundMessage._base_manager.filter(person_id=person_id).update(
        from_address="",
        from_name="",
        to="",
        subject="",
        text="",
        raw=b"",
        bounced_recipient="",
        effects_note="",
        updated_at=timezone.now(),
    )
