"""Dry runs: a write's answer without the write."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def maybe_rolled_back(dry_run: bool) -> Iterator[None]:
    """Run the block as usual, or (`dry_run`) in a transaction that is then rolled back: every
    check and lock runs and the answer is the real one, but no row, history or audit entry is
    kept, and nothing waiting for the commit (tasks, events) ever starts."""
    if not dry_run:
        yield
        return
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
