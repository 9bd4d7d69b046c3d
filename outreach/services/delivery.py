"""The delivery status (the MassProspecting-compatible `status`), and who may be contacted.

Delivery moves along its own table on the model (pending → running → performed, …). Writing a
status is one transition of that table; a new outreach created with a status walks the shortest
path there. Before `start` and `run`, the contact check asks whether the person may be
contacted at all; when not, delivery is aborted with the reason instead.
"""

from contacts.choices import REPLIED_STATUSES, PersonStatus
from core.actors import Actor

from ..choices import REPLY_OUTCOMES, SkipRepliers
from ..exceptions import TransitionNotAllowed
from ..models import Outreach
from ..state_machine import DELIVERY_TRANSITIONS, transition_spec
from .transitions import move


def contact_refusal(outreach: Outreach) -> str | None:
    """Why this outreach's person must not be contacted now, or None when they may be.

    - A person whose status is `do_not_contact` is never contacted, whatever skip_repliers says.
    - skip_repliers `global`: the person has replied — any of their outreaches has an outcome
      of replied, positive or negative, or the person has last_replied_at set, or a status a
      reply leads to (replied, interested, not_interested).
    - skip_repliers `tag_only`: one of the person's outreaches with this outreach's tag has a
      reply outcome. An untagged outreach has no tag to compare, so it is not skipped.
    - skip_repliers `none`, or no person: always contacted.
    """
    person = outreach.person
    if person is None:
        return None
    if person.status == PersonStatus.DO_NOT_CONTACT:
        return f"{person.public_id} is marked do_not_contact and is never contacted."
    replies = Outreach.objects.filter(person_id=person.pk, outcome__in=REPLY_OUTCOMES)
    if outreach.skip_repliers == SkipRepliers.GLOBAL and (
        person.last_replied_at is not None or person.status in REPLIED_STATUSES or replies.exists()
    ):
        return f"{person.public_id} has already replied and skip_repliers is 'global'."
    if (
        outreach.skip_repliers == SkipRepliers.TAG_ONLY
        and outreach.tag_id is not None
        and replies.filter(tag_id=outreach.tag_id).exists()
    ):
        return (
            f"{person.public_id} has already replied to an outreach tagged "
            f"'{outreach.tag.name}' and skip_repliers is 'tag_only'."
        )
    return None


def abort_delivery(locked: Outreach, *, reason: str, refused: str, actor: Actor) -> None:
    """Stop a delivery that must not happen: `aborted`, with the reason in error_description.

    A delivery already past `running` (performed, failed, …) is left as it is.
    """
    spec = transition_spec("abort")
    if locked.delivery_status not in spec.sources:
        return
    locked.error_description = reason
    move(
        locked,
        spec=spec,
        actor=actor,
        metadata={"reason": reason, "refused": refused},
        also_save=("error_description",),
    )


def delivery_transition_between(current: str, target: str) -> str | None:
    """The delivery transition that leads from `current` to `target`, if the table has one."""
    for name in DELIVERY_TRANSITIONS:
        spec = transition_spec(name)
        if spec.target == target and current in spec.sources:
            return name
    return None


def delivery_path(current: str, target: str) -> list[str] | None:
    """Transition names of a shortest path from `current` to `target` (breadth-first)."""
    paths: dict[str, list[str]] = {current: []}
    frontier = [current]
    while frontier:
        following = []
        for state in frontier:
            for name in DELIVERY_TRANSITIONS:
                spec = transition_spec(name)
                if state in spec.sources and spec.target not in paths:
                    paths[spec.target] = [*paths[state], name]
                    following.append(spec.target)
        frontier = following
    return paths.get(target)


def delivery_jump_refused(current: str, status: str) -> TransitionNotAllowed:
    """The 409 for a status no single transition reaches, saying where it may go instead."""
    onward = sorted(
        {
            transition_spec(n).target
            for n in DELIVERY_TRANSITIONS
            if current in transition_spec(n).sources
        }
    )
    allowed = ", ".join(f"'{s}'" for s in onward) if onward else "nothing: it is final"
    return TransitionNotAllowed(
        f"Cannot change the delivery status from '{current}' to '{status}'; "
        f"from '{current}' it can go to {allowed}."
    )
