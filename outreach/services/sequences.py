"""Writes of sequences (with their steps) and tags."""

from typing import Any

from django.db import transaction

from core.actors import Actor
from core.errors import InvalidInput, NotFound
from core.public_ids import format_public_id

from ..models import Sequence, SequenceStep, Tag
from . import sort_keys


def sequence_get(pk: int) -> Sequence:
    try:
        return Sequence.objects.get(pk=pk)
    except Sequence.DoesNotExist:
        raise NotFound(f"No sequence with id {format_public_id('seq', pk)}.") from None


@transaction.atomic
def sequence_create(*, actor: Actor, steps: list[dict] | None = None, **values: Any) -> Sequence:
    """Create a sequence with its ordered steps."""
    sequence = Sequence.objects.create(**values)
    sequence_replace_steps(sequence=sequence, steps=steps or [])
    return sequence


@transaction.atomic
def sequence_update(
    *, sequence: Sequence, actor: Actor, steps: list[dict] | None = None, **changes: Any
) -> Sequence:
    """Change a sequence; when `steps` is given it replaces the steps as a whole."""
    renamed = "name" in changes and changes["name"] != sequence.name
    for name, value in changes.items():
        setattr(sequence, name, value)
    if changes:
        sequence.save(update_fields=[*changes, "updated_at"])
    if renamed:
        sort_keys.sequence_renamed(sequence=sequence)
    if steps is not None:
        sequence_replace_steps(sequence=sequence, steps=steps)
    return sequence


def sequence_replace_steps(*, sequence: Sequence, steps: list[dict]) -> None:
    """The sequence's steps become `steps`, numbered from 1 in their order."""
    sequence.steps.all().delete()
    SequenceStep.objects.bulk_create(
        SequenceStep(sequence=sequence, position=index, **step)
        for index, step in enumerate(steps, start=1)
    )


@transaction.atomic
def sequence_delete(*, sequence: Sequence, actor: Actor) -> None:
    """Delete a sequence; its outreaches keep going without one."""
    sort_keys.sequence_removed(sequence=sequence)
    sequence.delete()


def _check_tag_name(name: str) -> None:
    if "/" in name:  # the name is the tag's address: /api/tags/<name>
        raise InvalidInput("A tag name cannot contain '/'.", field="name")


@transaction.atomic
def tag_create(*, actor: Actor, name: str) -> Tag:
    _check_tag_name(name)
    return Tag.objects.create(name=name)


@transaction.atomic
def tag_update(*, tag: Tag, actor: Actor, **changes: Any) -> Tag:
    if "name" in changes:
        _check_tag_name(changes["name"])
    for name, value in changes.items():
        setattr(tag, name, value)
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor: Actor) -> None:
    tag.delete()
