"""A person's erasure, as far as follow-ups go: their titles name the person, their notes may.

Registered on `contacts.services.person_erased` in `FollowupsConfig.ready`; runs inside the
erasure's transaction.
"""

from django.utils import timezone

from .models import FollowUp

ERASED_TITLE = "Follow-up about an erased person"


def person_erased(*, person_id: int, **_) -> None:
    """Retitle the person's follow-ups and blank their notes (one UPDATE); the rows stay."""
    FollowUp.objects.filter(person_id=person_id).update(
        title=ERASED_TITLE, note="", updated_at=timezone.now()
    )
