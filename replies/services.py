"""Receiving a message that came back in, and what it does: one transaction per message.

`receive` is the one way in (IMAP polling and `POST /api/inbound` both call it): the message is
read, matched, classified (classify.py), kept, and its classification's effects run:

- reply: the outcome `replied` (the outcome's usual effects) and the outreach finished; with
  the sequence's `stop_on_company_reply`, colleagues at the same company on the same sequence
  are finished too; `reply.received` is published;
- bounce, hard: the person's email invalid, the outcome `bounced`, the address on the
  suppression list, the outreach finished; soft: noted, nothing else;
- auto_reply: the outreach paused until the return date (else 7 days), never a reply;
- unsubscribe: the person opted out (`opt_out`, which one-click unsubscribes call too).

A classification's effects run once per message (`effects_applied`), so `reclassify` after a
rule change acts only on what is newly classified.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.choices import PersonStatus, SuppressionReason
from contacts.models import Person
from contacts.services import person_apply_outcome
from contacts.suppressions import is_suppressed, suppress
from core.actors import Actor
from core.errors import InvalidInput, NotFound
from core.public_ids import PREFIXES, format_public_id
from core.scoping import workspace_scope
from outreach.choices import RUNNING_STATES, SENDING_STATES, UNRESOLVED_OUTCOMES, Outcome
from outreach.exceptions import TransitionNotAllowed
from outreach.models import Outreach
from outreach.services import effects
from outreach.services.outreaches import outreach_transition, outreach_update
from outreach.services.transitions import outreaches_batch_transition
from sending.models import Mailbox
from workspaces.roles import Permission, require

from . import classify, matching
from .choices import (
    DEFAULT_AUTO_REPLY_PAUSE_DAYS,
    MAX_AUTO_REPLY_PAUSE_DAYS,
    BounceKind,
    Classification,
)
from .models import InboundMessage

STORE = "store inbound messages"
REPLY_RECEIVED = "reply.received"
PERSON_OPTED_OUT = "person.opted_out"


@dataclass(frozen=True)
class Received:
    """The kept message, and whether this call kept it (False: it was there already)."""

    message: InboundMessage
    created: bool


def receive(
    *,
    raw: bytes,
    mailbox: Mailbox | None = None,
    workspace_id: int | None = None,
    actor: Actor = None,
    received_at: datetime.datetime | None = None,
) -> Received:
    """Keep, classify and act on one raw message (see the module's docstring). The same
    message again (its Message-ID, else its bytes, in the same mailbox) is not kept twice and
    acts once."""
    require(actor, Permission.WRITE, STORE)
    if not raw or not raw.strip():
        raise InvalidInput("The message is empty.", field="message")
    if mailbox is not None:
        workspace_id = mailbox.workspace_id
    if workspace_id is None:
        raise ValueError("receive needs a mailbox or a workspace_id")
    with workspace_scope(workspace_id), transaction.atomic():
        parsed = classify.parse(raw)
        existing = _kept(workspace_id, mailbox, parsed.fingerprint)
        if existing is not None:
            return Received(existing, created=False)
        bounce = classify.bounce_of(parsed)
        matched = matching.match(parsed, workspace_id=workspace_id, bounce=bounce)
        verdict = classify.classify(parsed, matched)
        inbound = InboundMessage(
            workspace_id=workspace_id,
            mailbox=mailbox,
            raw=raw,
            received_at=received_at or timezone.now(),
        )
        _fill(inbound, parsed, matched, verdict)
        try:
            with transaction.atomic():
                inbound.save()
        except IntegrityError:  # another worker kept it first
            return Received(_kept(workspace_id, mailbox, parsed.fingerprint), created=False)
        apply_effects(inbound, actor=actor)
        return Received(inbound, created=True)


def _kept(workspace_id: int, mailbox: Mailbox | None, fingerprint: str) -> InboundMessage | None:
    kept = InboundMessage._base_manager.filter(fingerprint=fingerprint)
    if mailbox is not None:
        kept = kept.filter(mailbox_id=mailbox.pk)
    else:
        kept = kept.filter(workspace_id=workspace_id, mailbox__isnull=True)
    return kept.first()


def _fill(
    inbound: InboundMessage,
    parsed: classify.Parsed,
    matched: classify.Matched,
    verdict: classify.Verdict,
) -> None:
    inbound.from_address = parsed.from_address
    inbound.from_name = parsed.from_name
    inbound.to = parsed.to
    inbound.subject = parsed.subject
    inbound.date = parsed.date
    inbound.message_id = parsed.message_id
    inbound.in_reply_to = parsed.in_reply_to
    inbound.references = " ".join(parsed.references)
    inbound.text = parsed.reply_text
    inbound.fingerprint = parsed.fingerprint
    _set_verdict(inbound, matched, verdict)


def _set_verdict(
    inbound: InboundMessage, matched: classify.Matched, verdict: classify.Verdict
) -> None:
    inbound.classification = verdict.classification
    bounce = verdict.bounce
    inbound.bounce_kind = bounce.kind if bounce else ""
    inbound.bounce_status = bounce.status if bounce else ""
    inbound.bounced_recipient = bounce.recipient if bounce else ""
    inbound.returns_at = verdict.returns_at
    inbound.outreach_id = matched.outreach_id
    inbound.person_id = matched.person_id


# --- effects --------------------------------------------------------------------------------


def apply_effects(inbound: InboundMessage, *, actor: Actor) -> list[str]:
    """Run the effects of the message's classification, unless they ran for it before; note
    what they changed on the message. Call inside its transaction."""
    key = effects_key(inbound)
    if key in inbound.effects_applied:
        return []
    kind = inbound.classification
    if kind == Classification.REPLY:
        notes = _after_reply(inbound, actor)
    elif kind == Classification.BOUNCE:
        notes = _after_bounce(inbound, actor)
    elif kind == Classification.AUTO_REPLY:
        notes = _after_auto_reply(inbound, actor)
    elif kind == Classification.UNSUBSCRIBE:
        notes = _after_unsubscribe(inbound, actor)
    else:
        notes = ["Kept for a person to look at: it matches nothing we sent."]
    inbound.effects_applied = [*inbound.effects_applied, key]
    inbound.effects_note = " ".join([inbound.effects_note, *notes]).strip()[:10_000]
    inbound.save(update_fields=["effects_applied", "effects_note", "updated_at"])
    return notes


def effects_key(inbound: InboundMessage) -> str:
    """What `effects_applied` records: the classification, and a bounce's kind (a soft
    bounce found hard after a rule change acts as a hard one)."""
    if inbound.classification == Classification.BOUNCE and inbound.bounce_kind:
        return f"{inbound.classification}/{inbound.bounce_kind}"
    return inbound.classification


def _outreach_of(inbound: InboundMessage) -> Outreach | None:
    if inbound.outreach_id is None:
        return None
    return (
        Outreach._base_manager.select_related("person", "sequence")
        .filter(pk=inbound.outreach_id, workspace_id=inbound.workspace_id)
        .first()
    )


def _finish(outreach: Outreach, reason: str, actor: Actor) -> bool:
    """Finish a running sequence; False when it is not running (nothing to finish)."""
    if outreach.current_state not in RUNNING_STATES:
        return False
    try:
        outreach_transition(
            outreach=outreach, name="finish", actor=actor, metadata={"reason": reason}
        )
    except TransitionNotAllowed:
        return False
    return True


def _set_outcome(outreach: Outreach, outcome: str, actor: Actor) -> Outreach:
    """Record the outcome (with its usual effects) unless a person already recorded one."""
    if outreach.outcome not in UNRESOLVED_OUTCOMES:
        return outreach
    return outreach_update(outreach=outreach, actor=actor, outcome=outcome)


def _after_reply(inbound: InboundMessage, actor: Actor) -> list[str]:
    outreach = _outreach_of(inbound)
    if outreach is None:
        return []
    notes = []
    before = outreach.outcome
    outreach = _set_outcome(outreach, Outcome.REPLIED, actor)
    if outreach.outcome != before:
        notes.append(f"{outreach.public_id}: outcome replied.")
    who = inbound.from_address or "The person"
    if _finish(outreach, f"{who} replied ({inbound.public_id}).", actor):
        notes.append(f"{outreach.public_id} finished.")
    notes += _finish_colleagues(outreach, inbound, actor)
    effects.publish(
        type=REPLY_RECEIVED,
        workspace_id=inbound.workspace_id,
        object_id=inbound.public_id,
        data=inbound_event_data(inbound),
    )
    return notes


def _finish_colleagues(outreach: Outreach, inbound: InboundMessage, actor: Actor) -> list[str]:
    """With `stop_on_company_reply`, the sequence stops for the person's colleagues too."""
    sequence = outreach.sequence
    company_id = outreach.person.company_id if outreach.person_id else None
    company_id = company_id or outreach.company_id
    if sequence is None or not sequence.stop_on_company_reply or company_id is None:
        return []
    colleagues = list(
        Outreach._base_manager.filter(
            workspace_id=outreach.workspace_id,
            sequence_id=sequence.pk,
            person__company_id=company_id,
            current_state__in=RUNNING_STATES,
        )
        .exclude(pk=outreach.pk)
        .values_list("pk", flat=True)
    )
    if not colleagues:
        return []
    reason = f"A colleague at the same company replied ({inbound.public_id})."
    result = outreaches_batch_transition(
        ids=colleagues, name="finish", actor=actor, metadata={"reason": reason}
    )
    return [f"{result.success_count} colleague outreach(es) on the sequence finished."]


def _after_bounce(inbound: InboundMessage, actor: Actor) -> list[str]:
    if inbound.bounce_kind != BounceKind.HARD:
        return ["Soft bounce noted: the address may work later."]
    outreach = _outreach_of(inbound)
    if outreach is None:
        return []
    notes = []
    person = outreach.person
    before = outreach.outcome
    outreach = _set_outcome(outreach, Outcome.BOUNCED, actor)
    if outreach.outcome != before:
        notes.append(f"{outreach.public_id}: outcome bounced.")
    elif person is not None:
        person_apply_outcome(person_id=person.pk, outcome=Outcome.BOUNCED, at=timezone.now())
    if person is not None:
        notes.append(f"{person.email or person.public_id} marked invalid.")
    address = inbound.bounced_recipient or (person.email if person else "")
    if address:
        suppress(
            workspace_id=inbound.workspace_id,
            email=address,
            reason=SuppressionReason.BOUNCED,
            actor=actor,
            note=f"Hard bounce {inbound.bounce_status} ({inbound.public_id})".strip(),
        )
        notes.append(f"{address} suppressed.")
    reason = f"The message bounced ({inbound.bounce_status or 'permanent failure'})."
    if _finish(outreach, reason, actor):
        notes.append(f"{outreach.public_id} finished.")
    return notes


def pause_end(inbound: InboundMessage, now: datetime.datetime) -> datetime.datetime:
    """Until when an automatic answer pauses: its return date, else 7 days; at most a year."""
    latest = now + datetime.timedelta(days=MAX_AUTO_REPLY_PAUSE_DAYS)
    if inbound.returns_at is not None and inbound.returns_at > now:
        return min(inbound.returns_at, latest)
    return now + datetime.timedelta(days=DEFAULT_AUTO_REPLY_PAUSE_DAYS)


def _after_auto_reply(inbound: InboundMessage, actor: Actor) -> list[str]:
    outreach = _outreach_of(inbound)
    if outreach is None or outreach.current_state not in SENDING_STATES:
        return []
    until = pause_end(inbound, timezone.now())
    try:
        outreach_transition(
            outreach=outreach,
            name="pause",
            actor=actor,
            until=until,
            metadata={"reason": f"An automatic answer ({inbound.public_id})."},
        )
    except TransitionNotAllowed:
        return []
    return [f"{outreach.public_id} paused until {until:%Y-%m-%d}."]


def _after_unsubscribe(inbound: InboundMessage, actor: Actor) -> list[str]:
    result = opt_out(
        workspace_id=inbound.workspace_id,
        person_id=inbound.person_id,
        outreach_id=inbound.outreach_id,
        email=inbound.from_address,
        actor=actor,
        via="reply",
    )
    return result.notes


# --- opting out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OptOut:
    person: Person | None
    changed: bool
    notes: list[str]


def opt_out(
    *,
    workspace_id: int,
    person_id: int | None,
    outreach_id: int | None = None,
    email: str = "",
    actor: Actor = None,
    via: str = "one_click",
) -> OptOut:
    """The person opted out: status do_not_contact, every running outreach finished and every
    pending delivery canceled (outcome `unsubscribed` on the outreach it came from), the address
    on the suppression list, `person.opted_out` published. Asking again changes nothing and
    publishes nothing."""
    with workspace_scope(workspace_id), transaction.atomic():
        person = (
            Person._base_manager.select_for_update()
            .filter(pk=person_id, workspace_id=workspace_id)
            .first()
            if person_id
            else None
        )
        address = (person.email if person is not None and person.email else email).strip()
        was_suppressed = bool(address) and is_suppressed(workspace_id, address)
        was_opted_out = person is None or person.status == PersonStatus.DO_NOT_CONTACT
        outreach = (
            Outreach._base_manager.filter(
                pk=outreach_id, workspace_id=workspace_id, person_id=person_id
            ).first()
            if outreach_id and person is not None
            else None
        )
        notes = []
        changed_outcome = outreach is not None and outreach.outcome != Outcome.UNSUBSCRIBED
        if changed_outcome:
            # The outcome's effects: the person do_not_contact, their queued outreaches stopped.
            outreach_update(outreach=outreach, actor=actor, outcome=Outcome.UNSUBSCRIBED)
            notes.append(f"{outreach.public_id}: outcome unsubscribed.")
        elif person is not None:
            person_apply_outcome(
                person_id=person.pk, outcome=Outcome.UNSUBSCRIBED, at=timezone.now()
            )
            effects.stop_queued_outreaches(person_id=person.pk, actor=actor)
        if person is not None:
            notes.append(f"{person.email or person.public_id} opted out.")
        if address:
            suppress(
                workspace_id=workspace_id,
                email=address,
                reason=SuppressionReason.UNSUBSCRIBED,
                actor=actor,
            )
            if not was_suppressed:
                notes.append(f"{address} suppressed.")
        changed = changed_outcome or not was_opted_out or (bool(address) and not was_suppressed)
        if changed:
            effects.publish(
                type=PERSON_OPTED_OUT,
                workspace_id=workspace_id,
                object_id=person.public_id if person is not None else "",
                data={
                    "person_id": person.public_id if person is not None else None,
                    "outreach_id": format_public_id(PREFIXES["outreach"], outreach_id)
                    if outreach is not None
                    else None,
                    "email": address,
                    "via": via,
                },
            )
        if person is not None:
            person.refresh_from_db()
        return OptOut(person=person, changed=changed, notes=notes)


def opt_out_by_token(*, workspace_id: int, person_id: int | None, outreach_id: int | None):
    """A one-click unsubscribe (RFC 8058): the token named the workspace, person and outreach.
    A person deleted since is a 404."""
    if (
        person_id is None
        or not Person._base_manager.filter(pk=person_id, workspace_id=workspace_id).exists()
    ):
        raise NotFound("This unsubscribe link names no one any more.")
    return opt_out(
        workspace_id=workspace_id,
        person_id=person_id,
        outreach_id=outreach_id,
        actor=None,
        via="one_click",
    )


# --- classifying again ----------------------------------------------------------------------


@dataclass
class Reclassified:
    examined: int = 0
    changed: int = 0
    acted: int = 0


def reclassify(*, since: datetime.datetime | None = None, actor: Actor = None) -> Reclassified:
    """Classify kept messages again (after a change of the rules), oldest first, each in its
    own transaction: a changed classification is stored and its effects run, unless they ran
    for that message before."""
    result = Reclassified()
    kept = InboundMessage._base_manager.order_by("received_at", "pk")
    if since is not None:
        kept = kept.filter(received_at__gte=since)
    for pk in kept.values_list("pk", flat=True).iterator():
        result.examined += 1
        changed, acted = reclassify_one(pk=pk, actor=actor)
        result.changed += changed
        result.acted += acted
    return result


def reclassify_one(*, pk: int, actor: Actor = None) -> tuple[bool, bool]:
    """One message classified again: (whether its classification changed, whether effects
    ran)."""
    inbound = InboundMessage._base_manager.filter(pk=pk).first()
    if inbound is None:
        return False, False
    with workspace_scope(inbound.workspace_id), transaction.atomic():
        inbound = InboundMessage._base_manager.select_for_update().get(pk=pk)
        parsed = classify.parse(bytes(inbound.raw))
        bounce = classify.bounce_of(parsed)
        matched = matching.match(parsed, workspace_id=inbound.workspace_id, bounce=bounce)
        verdict = classify.classify(parsed, matched)
        before = (inbound.classification, inbound.bounce_kind, inbound.outreach_id)
        _set_verdict(inbound, matched, verdict)
        inbound.text = parsed.reply_text
        changed = before != (inbound.classification, inbound.bounce_kind, inbound.outreach_id)
        if not changed:
            return False, False
        inbound.save()
        notes = apply_effects(inbound, actor=actor)
        return True, bool(notes)


# --- events ---------------------------------------------------------------------------------


def inbound_event_data(inbound: InboundMessage) -> dict:
    return {
        "id": inbound.public_id,
        "classification": inbound.classification,
        "outreach_id": format_public_id(PREFIXES["outreach"], inbound.outreach_id),
        "person_id": format_public_id(PREFIXES["person"], inbound.person_id),
        "mailbox_id": format_public_id(PREFIXES["mailbox"], inbound.mailbox_id),
        "from": inbound.from_address,
        "subject": inbound.subject,
        "message_id": inbound.message_id,
        "in_reply_to": inbound.in_reply_to,
        "text": inbound.text[:10_000],
        "received_at": inbound.received_at.isoformat(),
    }
