"""The batch cap: how many objects one batch may name (`settings.MAX_BATCH_IDS`).

The API, the dashboard (selected rows or "all matching") and the admin's actions all ask this
module, so a batch over the cap is refused the same way everywhere.
"""

from django.conf import settings
from django.db.models import QuerySet

from .errors import InvalidInput


def batch_limit() -> int:
    return settings.MAX_BATCH_IDS


def too_many_message(count: int) -> str:
    return f"At most {batch_limit()} ids per request; {count} given."


def check_batch_size(count: int, *, field: str = "outreach_ids") -> None:
    """Refuse (400 naming `field`) a batch of more than the cap."""
    if count > batch_limit():
        raise InvalidInput(too_many_message(count), field=field)


def matching_ids(queryset: QuerySet, *, noun: str = "outreaches") -> list[int]:
    """The ids of every row `queryset` matches, for a batch over "all matching"; more than the
    cap is refused without reading them all."""
    limit = batch_limit()
    ids = list(queryset.values_list("pk", flat=True)[: limit + 1])
    if len(ids) > limit:
        raise InvalidInput(
            f"More than {limit:,} {noun} match; a batch takes at most {limit:,}. "
            "Narrow the filters and try again."
        )
    return ids
