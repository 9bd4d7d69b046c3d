"""Writes of sequences (with their steps) and tags."""

from typing import Any

from django.db import transaction

from core.actors import Actor
from core.errors import InvalidInput, NotFound
from core.hooks import Hook
from core.public_ids import format_public_id
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require
from workspaces.selectors import workspace_for_create

from ..models import Sequence, SequenceStep, Tag
from . import sort_keys

# Asked with a sequence's steps before they are saved; a function raises InvalidInput to refuse
# them (the sending app checks that each step's templates can be rendered).
steps_check = Hook("check a sequence's steps before they are saved: steps")


def _check_name_free(model, name: str, workspace_id: int, instance=None) -> None:
    """Names are unique per workspace; a taken one is a 400 on `name`."""
    taken = model._base_manager.filter(workspace_id=workspace_id, name=name)
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    if taken.exists():
        noun = model._meta.verbose_name
        raise InvalidInput(f"{noun} with this name already exists.", field="name")


def sequence_get(pk: int) -> Sequence:
    try:
        return Sequence.objects.get(pk=pk)
    except Sequence.DoesNotExist:
        raise NotFound(f"No sequence with id {format_public_id('seq', pk)}.") from None


@transaction.atomic
def sequence_create(
    *, actor: Actor, workspace=None, steps: list[dict] | None = None, **values: Any
) -> Sequence:
    """Create a sequence with its ordered steps."""
    require(actor, Permission.CONFIGURE, "manage sequences")
    workspace_id = workspace_for_create(actor, workspace)
    _check_name_free(Sequence, values.get("name", ""), workspace_id)
    sequence = Sequence.objects.create(workspace_id=workspace_id, **values)
    sequence_replace_steps(sequence=sequence, steps=steps or [])
    changes = audit.created(values)
    if steps:
        changes["steps"] = [None, len(steps)]
    audit.record(actor=actor, action=AuditAction.CREATE, obj=sequence, changes=changes)
    return sequence


@transaction.atomic
def sequence_update(
    *, sequence: Sequence, actor: Actor, steps: list[dict] | None = None, **changes: Any
) -> Sequence:
    """Change a sequence; when `steps` is given it replaces the steps as a whole."""
    require(actor, Permission.CONFIGURE, "manage sequences")
    renamed = "name" in changes and changes["name"] != sequence.name
    if renamed:
        _check_name_free(Sequence, changes["name"], sequence.workspace_id, sequence)
    before = audit.snapshot(sequence, changes)
    for name, value in changes.items():
        setattr(sequence, name, value)
    if changes:
        sequence.save(update_fields=[*changes, "updated_at"])
    if renamed:
        sort_keys.sequence_renamed(sequence=sequence)
    if steps is not None:
        before["steps"] = sequence.steps.count()
        sequence_replace_steps(sequence=sequence, steps=steps)
        changes = {**changes, "steps": len(steps)}
    audit.record_update(actor, sequence, before, changes)
    return sequence


def sequence_replace_steps(*, sequence: Sequence, steps: list[dict]) -> None:
    """The sequence's steps become `steps`, numbered from 1 in their order."""
    steps_check(steps=steps)
    sequence.steps.all().delete()
    SequenceStep.objects.bulk_create(
        SequenceStep(sequence=sequence, position=index, **step)
        for index, step in enumerate(steps, start=1)
    )


@transaction.atomic
def sequence_delete(*, sequence: Sequence, actor: Actor) -> None:
    """Delete a sequence; its outreaches keep going without one."""
    require(actor, Permission.CONFIGURE, "manage sequences")
    audit.record_delete(actor, sequence)
    sort_keys.sequence_removed(sequence=sequence)
    sequence.delete()


def _check_tag_name(name: str) -> None:
    if "/" in name:  # the name is the tag's address: /api/tags/<name>
        raise InvalidInput("A tag name cannot contain '/'.", field="name")


@transaction.atomic
def tag_create(*, actor: Actor, name: str, workspace=None) -> Tag:
    require(actor, Permission.CONFIGURE, "manage tags")
    _check_tag_name(name)
    workspace_id = workspace_for_create(actor, workspace)
    _check_name_free(Tag, name, workspace_id)
    tag = Tag.objects.create(workspace_id=workspace_id, name=name)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=tag,
        object_id=name,
        changes={"name": [None, name]},
    )
    return tag


@transaction.atomic
def tag_update(*, tag: Tag, actor: Actor, **changes: Any) -> Tag:
    require(actor, Permission.CONFIGURE, "manage tags")
    if "name" in changes:
        _check_tag_name(changes["name"])
        _check_name_free(Tag, changes["name"], tag.workspace_id, tag)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=tag,
        object_id=tag.name,
        changes=audit.diff(audit.snapshot(tag, changes), changes),
    )
    for name, value in changes.items():
        setattr(tag, name, value)
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor: Actor) -> None:
    require(actor, Permission.CONFIGURE, "manage tags")
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=tag,
        object_id=tag.name,
        changes={"name": [tag.name, None]},
    )
    tag.delete()
