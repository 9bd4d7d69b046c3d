"""The raw-SQL and per-object baselines.

Raw SQL replays the statements an endpoint sent, on a bare cursor, and encodes the rows with
orjson: the physical limit of the design. Per-object transitions are what a loop over django-fsm
would do: load, transition, save, one history insert per row (and, for start_enrichment, one
enrichment batch item per row).
"""

import orjson
from django.db import connection
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from outreach.models import (
    EnrichmentBatch,
    EnrichmentBatchItem,
    Outreach,
    OutreachTransition,
    Sequence,
)
from outreach.state_machine import transition_spec

from .measure import Statement


def replay(statements: list[Statement]) -> bytes:
    """Run the statements again on a plain cursor and encode every row fetched."""
    fetched = []
    with connection.cursor() as cursor:
        for statement in statements:
            if statement.many:
                cursor.executemany(statement.sql, statement.params)
                continue
            cursor.execute(statement.sql, statement.params)
            if cursor.description is not None:
                fetched.append(cursor.fetchall())
    return orjson.dumps(fetched, default=str)


def per_object_transition(ids: list[int], name: str, actor) -> int:
    """Run transition `name` one outreach at a time; returns how many moved."""
    spec = transition_spec(name)
    batch = None
    if name == "start_enrichment":
        workspace_id = (
            Outreach._base_manager.filter(pk__in=ids).values_list("workspace_id", flat=True).first()
        )
        batch = EnrichmentBatch.objects.create(workspace_id=workspace_id, actor=actor, total=0)
    moved = 0
    for pk in ids:
        try:
            outreach = Outreach.objects.get(pk=pk)
        except Outreach.DoesNotExist:
            continue
        source = getattr(outreach, spec.field)
        try:
            getattr(outreach, name)()
        except TransitionNotAllowed:
            continue
        outreach.save()
        OutreachTransition.objects.create(
            outreach=outreach,
            field=spec.field,
            transition=name,
            from_state=source,
            to_state=spec.target,
            actor=actor,
            created_at=timezone.now(),
        )
        if batch is not None:
            EnrichmentBatchItem.objects.create(batch=batch, outreach=outreach)
        moved += 1
    return moved


def per_object_assign(ids: list[int], sequence: Sequence) -> int:
    """Assign the sequence one outreach at a time; returns how many were found."""
    found = 0
    for pk in ids:
        try:
            outreach = Outreach.objects.get(pk=pk)
        except Outreach.DoesNotExist:
            continue
        outreach.sequence = sequence
        outreach.save()
        found += 1
    return found
