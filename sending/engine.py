"""The engine: sends the email steps that are due, each at most once, within every limit.

One send is three steps, so that no lock is held while a server is talking:

1. **claim** (one transaction): lock a mailbox that may send now and has a step due (`FOR
   UPDATE SKIP LOCKED`: another worker takes another mailbox), ask the limits, lock the due
   outreach, check at send time that the person may still be written to, build the message and
   store it as `sending` — one row per outreach and step (a unique constraint), so a step that
   already has a message is never built again. The mailbox's next free moment (its minimum
   interval) is written before the lock is let go.
2. **hand over** (no transaction): the bytes go to the mailbox's server (`local`: nowhere).
3. **record** (one transaction): `sent`, and the sequence moves on; a temporary refusal (4xx,
   unreachable) is `scheduled` again with a growing pause; a permanent one (5xx) is `failed` and
   the sequence finished; a refused login pauses the mailbox with the server's answer.

A mailbox without a minimum interval is worked a batch at a time (CLAIM_BATCH claims in one
transaction, handed over on one connection, recorded in one transaction with a savepoint
each); with an interval, one message at a time. A connection that breaks while a message's
DATA is under way leaves that message `uncertain` too: it may have been accepted.

A worker that dies between 2 and 3 leaves its message `sending`; after SENDING_STALE_SECONDS
`settle_stalled_sends` makes it `uncertain`: it may or may not have left, so a person decides
(`message_mark_sent` / `message_send_again`), never the engine.
"""

import datetime
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from contacts.choices import PersonStatus
from contacts.models import Person
from contacts.suppressions import address_hash, is_suppressed, suppressed_hashes
from core.actors import Actor
from core.errors import Conflict
from core.public_ids import PREFIXES, format_public_id
from outreach.choices import (
    REPLY_OUTCOMES,
    RUNNING_STATES,
    Channel,
    DeliveryStatus,
    Outcome,
    PipelineState,
)
from outreach.exceptions import TransitionNotAllowed
from outreach.models import Outreach, SequenceStep
from outreach.services import effects
from outreach.services.delivery import contact_refusal
from outreach.services.outreaches import outreach_transition, outreaches_record_sent
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require

from . import composition, limits, running, transports
from .choices import MailboxKind, MessageStatus
from .models import Mailbox, Message
from .services import dkim_signer_for, sender_of, smtp_settings

logger = logging.getLogger(__name__)

# A temporary refusal is tried again after 5, 10, 20, 40 … minutes, at most this many times.
RETRY_FIRST_SECONDS = 300
MAX_ATTEMPTS = 6
# A pass stops after this many claims in a row that sent nothing (rows locked by others).
MAX_IDLE_CLAIMS = 20
# Steps claimed (and handed over on one connection) at a time from a mailbox without a
# minimum interval.
CLAIM_BATCH = 25


@dataclass(frozen=True)
class Claim:
    """A message stored as `sending`, and what its hand-over needs."""

    message_id: int
    mailbox_id: int
    min_interval_seconds: int
    kind: str
    server: transports.SmtpSettings | None
    sender: str
    to: str
    raw: bytes


SKIPPED = "skipped"  # a claim that moved something but sends nothing


# --- the pass -------------------------------------------------------------------------------


def send_due(*, limit: int | None = None, seconds: float | None = None) -> int:
    """Send what is due now, a mailbox's batch at a time, until nothing is (or about `limit`
    messages, or `seconds` have passed). Returns the number of messages handed over."""
    resume_ended_pauses()
    started = time.monotonic()
    sent = idle = 0
    while limit is None or sent < limit:
        size = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - sent)
        claims = claim_batch(size=size)
        if claims is None:
            break
        if not claims:
            idle += 1
            if idle >= MAX_IDLE_CLAIMS:
                break
            continue
        idle = 0
        claims = withdraw_stopped(claims)
        if claims:
            record_all(claims, hand_over_all(claims))
        sent += len(claims)
        if seconds is not None and time.monotonic() - started > seconds:
            break
    return sent


def send_due_sweep() -> int:
    """The worker's sweep: a pass of at most half a minute, so its other sweeps get their turn."""
    return send_due(seconds=30)


def due_outreaches(now: datetime.datetime):
    return Outreach._base_manager.filter(running.due_filter(now))


def claim_next(now: datetime.datetime | None = None) -> "Claim | str | None":
    """Claim one due step: a Claim, SKIPPED when something moved but nothing is to be sent,
    None when no mailbox has a step due."""
    claims = claim_batch(now, size=1)
    if claims is None:
        return None
    return claims[0] if claims else SKIPPED


def claim_batch(now: datetime.datetime | None = None, *, size: int = 1) -> list["Claim"] | None:
    """Claim up to `size` due steps of one mailbox (see the module's docstring): one when the
    mailbox has a minimum interval, never more than its daily limit leaves. An empty list when
    something moved but nothing is to be sent; None when no mailbox has a step due."""
    now = now or timezone.now()
    with transaction.atomic():
        due = due_outreaches(now)
        mailbox = (
            Mailbox._base_manager.select_for_update(skip_locked=True, of=("self",))
            .select_related("owner")
            .filter(active=True)
            .filter(Q(next_send_at__isnull=True) | Q(next_send_at__lte=now))
            .filter(Exists(due.filter(mailbox_id=OuterRef("pk"))))
            .order_by(F("next_send_at").asc(nulls_first=True), "pk")
            .first()
        )
        if mailbox is None:
            return None
        recent = limits.counted_sends(mailbox, since=now - limits.DAY)
        allowed = limits.next_allowed(mailbox, now, recent=recent)
        if allowed.waiting_for is not None:
            mailbox.next_send_at = allowed.at
            mailbox.save(update_fields=["next_send_at"])
            return []
        if mailbox.min_interval_seconds and _in_flight(mailbox, now):
            # The interval runs from the end of a hand-over: look again once it could be over.
            mailbox.next_send_at = now + datetime.timedelta(seconds=mailbox.min_interval_seconds)
            mailbox.save(update_fields=["next_send_at"])
            return []
        room = 1 if mailbox.min_interval_seconds else size
        room = max(1, min(room, mailbox.daily_limit - len(recent)))
        outreaches = list(
            due.filter(mailbox_id=mailbox.pk)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("person", "company", "sequence")
            .order_by("next_step_at", "pk")[:room]
        )
        batch = Batch(mailbox, outreaches)
        prepared = []
        for outreach in outreaches:
            decided = _claim_step(outreach, batch, now)
            if decided != SKIPPED:
                message, built = decided
                prepared.append((outreach, message, built))
        claims = _store_claims(prepared, batch)
        if claims:
            interval = mailbox.min_interval_seconds
            mailbox.next_send_at = now + datetime.timedelta(seconds=interval) if interval else None
            mailbox.save(update_fields=["next_send_at"])
        return claims


def _in_flight(mailbox: Mailbox, now: datetime.datetime) -> bool:
    """Whether a message of the mailbox is being handed over now (by a live worker)."""
    stale = now - datetime.timedelta(seconds=settings.SENDING_STALE_SECONDS)
    return Message._base_manager.filter(
        mailbox_id=mailbox.pk, status=MessageStatus.SENDING, updated_at__gt=stale
    ).exists()


class Batch:
    """What the claims of one mailbox share: the mailbox, its server, its signer, the steps of
    each sequence (read once per batch)."""

    def __init__(self, mailbox: Mailbox, outreaches: list[Outreach]):
        self.mailbox = mailbox
        # The messages these outreaches already have, by (outreach, step), and which of their
        # people's addresses are suppressed: one query each for the batch.
        self.messages = {
            (message.outreach_id, message.step): message
            for message in Message._base_manager.filter(
                outreach_id__in=[outreach.pk for outreach in outreaches]
            ).defer("raw", "body")
        }
        self.suppressed = suppressed_hashes(
            mailbox.workspace_id,
            [outreach.person.email for outreach in outreaches if outreach.person_id],
        )
        self.server = smtp_settings(mailbox) if mailbox.kind == MailboxKind.SMTP else None
        self.sender = sender_of(mailbox)
        self._signers: dict[int, composition.DkimSigner | None] = {}
        self._steps: dict[int, list[SequenceStep]] = {}

    def steps(self, outreach: Outreach) -> list[SequenceStep]:
        if outreach.sequence_id not in self._steps:
            self._steps[outreach.sequence_id] = running.steps_of(outreach)
        return self._steps[outreach.sequence_id]

    def signer(self, workspace_id: int) -> composition.DkimSigner | None:
        if workspace_id not in self._signers:
            self._signers[workspace_id] = dkim_signer_for(
                workspace_id=workspace_id, domain=self.mailbox.domain
            )
        return self._signers[workspace_id]


def _claim_step(
    outreach: Outreach, batch: Batch, now: datetime.datetime
) -> "tuple[Message, composition.Composed] | str":
    """Decide about one due outreach of a batch: its step's message built and ready to store as
    `sending`, or SKIPPED (what had to change instead was written)."""
    mailbox = batch.mailbox
    steps = batch.steps(outreach)
    step = running.step_after(steps, outreach.next_step)
    if step is None:
        _finish(outreach, "The sequence has no step left.")
        return SKIPPED
    if step.channel != Channel.EMAIL:  # the sequence was edited: this step is a to-do now
        running.schedule_step(outreach, steps, step, due=now)
        outreach.save(update_fields=running.SCHEDULE_UPDATE)
        return SKIPPED
    outreach.next_step = step.position
    message = batch.messages.get((outreach.pk, step.position))
    if message is not None and message.status != MessageStatus.SCHEDULED:
        _settle_claimed_twice(outreach, message)
        return SKIPPED
    refusal = send_refusal(outreach, suppressed=batch.suppressed)
    if refusal is not None:
        _cancel(outreach, step, message, mailbox, refusal)
        return SKIPPED
    built = build_message(outreach, step, batch, now=now)
    if message is None:
        message = Message(
            workspace_id=outreach.workspace_id, outreach_id=outreach.pk, step=step.position
        )
    message.mailbox = mailbox
    message.to = outreach.person.email
    message.subject = built.subject
    message.body = built.html or built.text
    message.message_id = built.message_id
    message.raw = built.raw
    message.status = MessageStatus.SENDING
    message.sent_at = now
    message.updated_at = now
    message.attempts += 1
    # In flight: not due again until its hand-over is recorded.
    outreach.next_step_at = None
    return message, built


def _store_claims(
    prepared: list[tuple[Outreach, Message, composition.Composed]], batch: Batch
) -> list["Claim"]:
    """Store a batch's messages as `sending` and take their outreaches off the due list, in a
    few statements. The outreaches are locked, so no other worker builds the same step."""
    if not prepared:
        return []
    new = [message for _outreach, message, _built in prepared if message.pk is None]
    retried = [message for _outreach, message, _built in prepared if message.pk is not None]
    Message._base_manager.bulk_create(new)
    Message._base_manager.bulk_update(
        retried,
        [
            "mailbox",
            "to",
            "subject",
            "body",
            "message_id",
            "raw",
            "status",
            "sent_at",
            "updated_at",
            "attempts",
        ],
    )
    by_step: dict[int | None, list[int]] = {}
    for outreach, _message, _built in prepared:
        by_step.setdefault(outreach.next_step, []).append(outreach.pk)
    for step, outreach_ids in by_step.items():
        Outreach._base_manager.filter(pk__in=outreach_ids).update(next_step=step, next_step_at=None)
    mailbox = batch.mailbox
    return [
        Claim(
            message_id=message.pk,
            mailbox_id=mailbox.pk,
            min_interval_seconds=mailbox.min_interval_seconds,
            kind=mailbox.kind,
            server=batch.server,
            sender=mailbox.from_email,
            to=message.to,
            raw=built.raw,
        )
        for _outreach, message, built in prepared
    ]


def _settle_claimed_twice(outreach: Outreach, message: Message) -> None:
    """The due step already has a message that is not waiting to be sent."""
    if message.status == MessageStatus.SENT:
        running.advance(outreach, after=message.sent_at or timezone.now())
    elif message.status in (MessageStatus.FAILED, MessageStatus.CANCELED):
        _finish(outreach, f"Step {message.step} was {message.status}.")
    else:  # sending or uncertain: a person (or the record of its send) decides
        outreach.next_step_at = None
        outreach.save(update_fields=running.SCHEDULE_UPDATE)


def send_refusal(outreach: Outreach, *, suppressed: set[str] | None = None) -> str | None:
    """Why this step must not be sent now (checked at send time), or None. `suppressed` (the
    hashes of the suppressed addresses among a batch's) saves a query per outreach."""
    person = outreach.person
    if person is None or not person.email.strip():
        return "The person has no email address."
    if person.email_invalid:
        return f"Mail to {person.email} bounced; the address is marked invalid."
    if outreach.outcome in (Outcome.BOUNCED, Outcome.UNSUBSCRIBED):
        return f"The outcome is '{outreach.outcome}'."
    if outreach.outcome in REPLY_OUTCOMES:
        return "The person replied to this outreach."
    if outreach.delivery_status in (DeliveryStatus.ABORTED, DeliveryStatus.CANCELED):
        return f"Delivery is '{outreach.delivery_status}'."
    listed = (
        address_hash(person.email) in suppressed
        if suppressed is not None
        else is_suppressed(outreach.workspace_id, person.email)
    )
    if listed:
        return f"{person.email} is on the suppression list."
    return contact_refusal(outreach)


def _cancel(
    outreach: Outreach,
    step: SequenceStep,
    message: Message | None,
    mailbox: Mailbox,
    reason: str,
) -> None:
    """The step must not go out: its message is `canceled` with the reason, the sequence ends."""
    if message is None:
        message = Message(
            workspace_id=outreach.workspace_id,
            outreach_id=outreach.pk,
            step=step.position,
            mailbox=mailbox,
            to=(outreach.person.email if outreach.person_id else "")[:254],
        )
    message.status = MessageStatus.CANCELED
    message.server_answer = reason[:1000]
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return
    _finish(outreach, reason)


def _finish(outreach: Outreach, reason: str, actor: Actor = None) -> None:
    if outreach.current_state in RUNNING_STATES:
        outreach_transition(
            outreach=outreach, name="finish", actor=actor, metadata={"reason": reason}
        )


# --- building -------------------------------------------------------------------------------


def template_context_for(outreach: Outreach, mailbox: Mailbox) -> dict[str, str]:
    person = outreach.person or Person()
    company = outreach.company or person.company
    return composition.template_context(
        first_name=person.first_name,
        last_name=person.last_name,
        title=person.title,
        company=company.name if company is not None else "",
        sender_name=mailbox.from_name or mailbox.owner.get_full_name(),
    )


def thread_of(outreach: Outreach) -> composition.Thread | None:
    """The last message this outreach sent, for a step that answers in its thread."""
    sent = list(
        Message._base_manager.filter(outreach_id=outreach.pk, status=MessageStatus.SENT)
        .order_by("sent_at", "pk")
        .values_list("message_id", "subject")
    )
    if not sent:
        return None
    message_id, subject = sent[-1]
    return composition.Thread(
        message_id=message_id,
        subject=subject,
        references=tuple(earlier for earlier, _subject in sent[:-1]),
    )


def build_message(
    outreach: Outreach, step: SequenceStep, batch: Batch, *, now: datetime.datetime
) -> composition.Composed:
    """The step's message to the outreach's person, exactly as it is sent."""
    subject, body = composition.render_step(
        step.subject_template, step.body_template, template_context_for(outreach, batch.mailbox)
    )
    sender = batch.sender
    token = composition.unsubscribe_token(
        workspace_id=outreach.workspace_id, person_id=outreach.person_id, outreach_id=outreach.pk
    )
    return composition.compose(
        sender=sender,
        to=outreach.person.email.strip(),
        subject=subject,
        body=body,
        thread=thread_of(outreach) if not subject.strip() else None,
        unsubscribe=composition.unsubscribe_for(sender=sender, token=token),
        dkim_signer=batch.signer(outreach.workspace_id),
        date=now,
    )


# --- handing over and recording -------------------------------------------------------------


def withdraw_stopped(claims: list[Claim]) -> list[Claim]:
    """The claims still to hand over. One whose sequence stopped since it was claimed (the
    person unsubscribed or replied, someone finished it) or whose person may no longer be
    written to is `canceled` instead: asked again just before the server is."""
    ids = [claim.message_id for claim in claims]
    going = set(
        Message._base_manager.filter(
            pk__in=ids,
            status=MessageStatus.SENDING,
            outreach__current_state__in=RUNNING_STATES,
        )
        .exclude(outreach__person__status=PersonStatus.DO_NOT_CONTACT)
        .values_list("pk", flat=True)
    )
    stopped = [pk for pk in ids if pk not in going]
    if stopped:
        Message._base_manager.filter(pk__in=stopped, status=MessageStatus.SENDING).update(
            status=MessageStatus.CANCELED,
            sent_at=None,
            server_answer="Not sent: the sequence stopped (or the person may no longer be "
            "written to) while it was being sent.",
            updated_at=timezone.now(),
        )
    return [claim for claim in claims if claim.message_id in going]


def hand_over_all(claims: list[Claim]) -> list[transports.SendResult | transports.SendFailed]:
    """Hand a mailbox's claimed messages to its server, over one connection."""
    first = claims[0]
    return transports.send_many(
        kind=first.kind,
        server=first.server,
        messages=[transports.Outgoing(claim.sender, [claim.to], claim.raw) for claim in claims],
    )


def record_all(
    claims: list[Claim], outcomes: list[transports.SendResult | transports.SendFailed]
) -> None:
    """Record what came of a batch's hand-overs in one transaction, each message in its own
    savepoint: one that cannot be recorded stays `sending` (and becomes `uncertain`), the
    others are kept."""
    with transaction.atomic():
        unsettled = (MessageStatus.SENDING, MessageStatus.UNCERTAIN)
        locked = {
            message.pk: message
            for message in Message._base_manager.select_for_update()
            .filter(pk__in=[claim.message_id for claim in claims], status__in=unsettled)
            .order_by("pk")
        }
        sent = [
            (locked[claim.message_id], outcome)
            for claim, outcome in zip(claims, outcomes, strict=True)
            if isinstance(outcome, transports.SendResult) and claim.message_id in locked
        ]
        if sent:
            _record_sent(sent)
        paused = False
        for claim, outcome in zip(claims, outcomes, strict=True):
            if isinstance(outcome, transports.SendResult):
                continue
            try:
                with transaction.atomic():
                    _record(claim, outcome, pause_mailbox=not paused)
            except Exception:  # one message's record must not lose the others'
                logger.exception("recording message %s failed", claim.message_id)
            paused = paused or outcome.reason == "login"
        interval = claims[0].min_interval_seconds
        if interval:  # the next may go this long after this hand-over ended
            Mailbox._base_manager.filter(pk=claims[0].mailbox_id).update(
                next_send_at=timezone.now() + datetime.timedelta(seconds=interval)
            )


def _record_sent(sent: list[tuple[Message, transports.SendResult]]) -> None:
    """The server accepted these messages: `sent`, set-based (one UPDATE of the messages, the
    outreaches' moves and next steps in a few more)."""
    now = timezone.now()
    for message, outcome in sent:
        message.status = MessageStatus.SENT
        message.server_answer = outcome.answer[:1000]
        message.sent_at = now
        message.updated_at = now
    messages = [message for message, _outcome in sent]
    answers = {message.server_answer for message in messages}
    Message._base_manager.filter(pk__in=[message.pk for message in messages]).update(
        status=MessageStatus.SENT,
        sent_at=now,
        updated_at=now,
        # Each server's answer names its queue id: one CASE, not one UPDATE a message.
        server_answer=Value(answers.pop())
        if len(answers) == 1
        else Case(
            *(When(pk=message.pk, then=Value(message.server_answer)) for message in messages)
        ),
    )
    after_sent_many(messages)


def _record(
    claim: Claim,
    outcome: transports.SendResult | transports.SendFailed,
    *,
    pause_mailbox: bool = True,
) -> None:
    message = (
        Message._base_manager.select_for_update()
        .filter(pk=claim.message_id, status__in=(MessageStatus.SENDING, MessageStatus.UNCERTAIN))
        .first()
    )
    if message is None:  # deleted with its outreach meanwhile, or decided by a person
        return
    outreach = Outreach._base_manager.select_for_update().get(pk=message.outreach_id)
    now = timezone.now()
    if outcome.reason == "uncertain":
        message.status = MessageStatus.UNCERTAIN
        message.server_answer = outcome.answer[:1000]
        message.save(update_fields=["status", "server_answer", "updated_at"])
    elif outcome.reason == "login":
        _requeue(message, outreach, outcome.answer, at=now, count_attempt=False)
        if pause_mailbox:
            _pause_mailbox(message.mailbox_id, outcome.answer)
    elif outcome.temporary and message.attempts < MAX_ATTEMPTS:
        pause = RETRY_FIRST_SECONDS * 2 ** (message.attempts - 1)
        _requeue(message, outreach, outcome.answer, at=now + datetime.timedelta(seconds=pause))
    else:
        message.status = MessageStatus.FAILED
        message.server_answer = outcome.answer[:1000]
        message.sent_at = None
        message.save(update_fields=["status", "server_answer", "sent_at", "updated_at"])
        after_failed(outreach, message)


def _requeue(
    message: Message,
    outreach: Outreach,
    answer: str,
    *,
    at: datetime.datetime,
    count_attempt: bool = True,
) -> None:
    message.status = MessageStatus.SCHEDULED
    message.server_answer = answer[:1000]
    message.sent_at = None
    if not count_attempt:
        message.attempts = max(message.attempts - 1, 0)
    message.save(update_fields=["status", "server_answer", "sent_at", "attempts", "updated_at"])
    if outreach.current_state in RUNNING_STATES:
        outreach.next_step = message.step
        outreach.next_step_at = at
        outreach.save(update_fields=running.SCHEDULE_UPDATE)


def _pause_mailbox(mailbox_id: int | None, answer: str) -> None:
    mailbox = Mailbox._base_manager.filter(pk=mailbox_id).first()
    if mailbox is None:
        return
    before = {"active": mailbox.active, "paused_reason": mailbox.paused_reason}
    mailbox.active = False
    mailbox.paused_reason = f"The server refused the login: {answer}"[:1000]
    mailbox.save(update_fields=["active", "paused_reason", "updated_at"])
    audit.record_update(
        None, mailbox, before, {"active": False, "paused_reason": mailbox.paused_reason}
    )


def _deliver(outreach: Outreach, names: tuple[str, ...], reason: str | None = None) -> Outreach:
    """Walk delivery along `names` (pending → running → …) as far as the table allows."""
    for name in names:
        try:
            outreach = outreach_transition(
                outreach=outreach,
                name=name,
                actor=None,
                metadata={"reason": reason} if reason else None,
            )
        except TransitionNotAllowed:
            break
    return outreach


def after_sent_many(messages: list[Message]) -> None:
    """Steps went out: the first of an outreach makes delivery `performed` and the outreach
    `waiting`; each sequence moves to its next step (or finishes after the last); the
    `message.sent` events go out. Set-based over the messages' outreaches."""
    outreach_ids = [message.outreach_id for message in messages if message.outreach_id]
    outreaches_record_sent(ids=outreach_ids)
    outreaches = Outreach._base_manager.select_related("person", "company").in_bulk(outreach_ids)
    effects.publish_many(
        type="message.sent",
        rows=[
            (
                message.workspace_id,
                message.public_id,
                message_event_data(message, outreaches[message.outreach_id]),
            )
            for message in messages
            if message.outreach_id in outreaches
        ],
    )
    going_on = []
    for message in messages:
        outreach = outreaches.get(message.outreach_id)
        if outreach is not None and outreach.current_state in RUNNING_STATES:
            outreach.next_step = message.step
            going_on.append(outreach)
    running.advance_many(going_on, after=timezone.now())


def after_failed(outreach: Outreach, message: Message) -> None:
    """The server refused the message for good: delivery `failed` (when it was the first),
    the answer in error_description, the sequence finished."""
    reason = f"Step {message.step}: the server refused the message: {message.server_answer}"
    if outreach.delivery_status == DeliveryStatus.PENDING:
        outreach = _deliver(outreach, ("run", "fail"), reason)
    Outreach._base_manager.filter(pk=outreach.pk).update(error_description=reason[:10_000])
    effects.publish(
        type="message.failed",
        workspace_id=outreach.workspace_id,
        object_id=message.public_id,
        data=message_event_data(message, outreach),
    )
    _finish(outreach, reason)


def message_event_data(message: Message, outreach: Outreach) -> dict:
    return {
        "id": message.public_id,
        "outreach_id": outreach.public_id,
        "step": message.step,
        "mailbox_id": format_public_id(PREFIXES["mailbox"], message.mailbox_id),
        "to": message.to,
        "subject": message.subject,
        "message_id": message.message_id,
        "status": message.status,
        "server_answer": message.server_answer,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
    }


# --- housekeeping ---------------------------------------------------------------------------


def settle_stalled_sends(now: datetime.datetime | None = None) -> int:
    """Messages left `sending` longer than any send takes lost their worker between the
    hand-over and its record: they become `uncertain`, for a person to decide."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.SENDING_STALE_SECONDS)
    return Message._base_manager.filter(status=MessageStatus.SENDING, updated_at__lt=stale).update(
        status=MessageStatus.UNCERTAIN,
        server_answer="The worker stopped while sending: it may or may not have left. "
        "Check the recipient's mailbox or the server's log, then mark it sent or send it again.",
        updated_at=now,
    )


def resume_ended_pauses(now: datetime.datetime | None = None) -> int:
    """Outreaches paused until a moment that has come go on with their sequence."""
    now = now or timezone.now()
    ended = Outreach._base_manager.filter(
        paused_until__lte=now, current_state=PipelineState.PAUSED
    ).values_list("pk", flat=True)
    resumed = 0
    for pk in list(ended[:1000]):
        try:
            outreach_transition(
                outreach=Outreach(pk=pk),
                name="resume",
                actor=None,
                metadata={"reason": "The pause ended."},
            )
        except TransitionNotAllowed:
            continue
        resumed += 1
    return resumed


# --- a person decides about an uncertain message ---------------------------------------------


def _decide(message: Message, actor: Actor, *, status: str, sent_at, answer: str) -> Message:
    """Move an uncertain message to what a person decided, audited."""
    require(actor, Permission.WRITE, "decide about messages")
    locked = Message._base_manager.select_for_update().get(pk=message.pk)
    if locked.status != MessageStatus.UNCERTAIN:
        raise Conflict(
            f"{locked.public_id} is '{locked.status}'; only an uncertain message is decided."
        )
    locked.status = status
    locked.sent_at = sent_at
    locked.server_answer = answer
    locked.save(update_fields=["status", "sent_at", "server_answer", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        object_type="message",
        changes={"status": [MessageStatus.UNCERTAIN, status]},
    )
    return locked


@transaction.atomic
def message_mark_sent(*, message: Message, actor: Actor) -> Message:
    """The message did leave: it counts as sent and the sequence goes on."""
    locked = _decide(
        message,
        actor,
        status=MessageStatus.SENT,
        sent_at=message.sent_at or timezone.now(),
        answer="Marked sent by a person.",
    )
    if locked.outreach_id is not None:
        after_sent_many([locked])
    return locked


@transaction.atomic
def message_send_again(*, message: Message, actor: Actor) -> Message:
    """The message did not leave: it is sent again as soon as the mailbox may."""
    locked = _decide(
        message,
        actor,
        status=MessageStatus.SCHEDULED,
        sent_at=None,
        answer="To be sent again, as decided by a person.",
    )
    if locked.outreach_id is not None:
        outreach = Outreach._base_manager.select_for_update().get(pk=locked.outreach_id)
        if outreach.current_state in RUNNING_STATES:
            outreach.next_step = locked.step
            outreach.next_step_at = timezone.now()
            outreach.save(update_fields=running.SCHEDULE_UPDATE)
    return locked
