"""A person's erasure, as far as outreaches go: the subjects and bodies written to them.

Registered on `contacts.services.person_erased` in `OutreachConfig.ready`; runs inside the
erasure's transaction.
"""

from django.utils import timezone

from ..models import Outreach


def person_erased(*, person_id: int, **_) -> None:
    """Blank the subject and body of every outreach to the person (one UPDATE)."""
    Outreach.objects.filter(person_id=person_id).update(
        subject="", body="", updated_at=timezone.now()
    )
