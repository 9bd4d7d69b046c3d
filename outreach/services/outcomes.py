"""Logging how a sent outreach went, as the follow-up queue does for its stale outreaches."""

from dataclasses import dataclass

from django.db import transaction

from core.actors import Actor
from followups.models import FollowUp
from followups.services import followup_schedule_next_attempt
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require

from ..choices import Outcome
from ..models import Outreach
from . import effects
from .outreaches import outreach_update
from .transitions import lock


@dataclass(frozen=True)
class OutcomeLogged:
    outreach: Outreach
    # For no response: the attempt of following up that comes next (None when none is left),
    # and whether logging scheduled it.
    next_attempt: FollowUp | None = None
    scheduled: bool = False


@transaction.atomic
def outreach_log_outcome(
    *, outreach: Outreach, outcome: str, actor: Actor, other_changes: dict | None = None
) -> OutcomeLogged:
    """Record the outcome of a sent outreach, with the effects of an outcome (and, in the same
    transaction, `other_changes` made with it on the outreach page: approval, sequence).

    Logging is always recorded, even of the outcome it already has ("no response" again, days
    later): the stale list and the job's heat count from the moment an outcome was logged.
    No response makes sure the next attempt of following up is scheduled.
    """
    require(actor, Permission.WRITE, "edit outreaches")
    locked = lock(outreach)
    unchanged = locked.outcome == outcome
    changes = (
        {**(other_changes or {})} if unchanged else {**(other_changes or {}), "outcome": outcome}
    )
    if changes:
        locked = outreach_update(outreach=locked, actor=actor, **changes)
    if unchanged:
        audit.record(
            actor=actor, action=AuditAction.UPDATE, obj=locked, changes={"outcome": [outcome] * 2}
        )
        # Nothing else changed, but the job's latest touch may now be this outreach.
        effects.after_outreach_written(locked, before=effects.effects_snapshot(locked), actor=actor)
    if outcome != Outcome.NO_RESPONSE:
        return OutcomeLogged(outreach=locked)
    next_attempt, scheduled = followup_schedule_next_attempt(outreach=locked)
    return OutcomeLogged(outreach=locked, next_attempt=next_attempt, scheduled=scheduled)
