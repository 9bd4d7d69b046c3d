"""The enrichment engine: runs the provider over a chunk of outreaches and records the results.

A chunk costs the same number of queries whatever its size: one read of the outreaches with
their people and companies and the provider's own reads (the local provider: one), then one
transaction that locks the chunk's pending batch items, runs `complete_enrichment` and
`fail_enrichment` set-based (lock, UPDATE, bulk insert of history each), marks the items, adds
to the batch's counts and bulk-updates the people.

Running a chunk twice is harmless: only items still `pending` are worked on, and the transitions
only move outreaches still in `enrichment`, so no transition is ever recorded twice.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from contacts.models import Person
from contacts.services import people_update_details
from core.public_ids import format_public_id
from core.scoping import workspace_scope

from ..choices import Channel, PipelineState
from ..models import EnrichmentBatch, EnrichmentBatchItem, EnrichmentResult, Outreach
from ..services import effects
from ..services.transitions import outreaches_batch_transition
from .batches import enrichment_batch_open
from .providers import DETAIL_FIELDS, Contact, EnrichmentProvider, Findings, Found, get_provider

# The person field each channel needs; `other` takes the first of DETAIL_FIELDS that is known.
CHANNEL_DETAIL = {
    Channel.EMAIL: "email",
    Channel.PHONE: "phone",
    Channel.LINKEDIN: "linkedin_url",
    Channel.FACEBOOK: "facebook_url",
}

_OUTREACH_FIELDS = (
    "id",
    "channel",
    "current_state",
    "person__id",
    "person__first_name",
    "person__last_name",
    "person__email",
    "person__email_invalid",
    "person__phone",
    "person__linkedin_url",
    "person__facebook_url",
    "person__company__name",
    "person__company__domain",
    "company__name",
    "company__domain",
)


@dataclass(frozen=True)
class Decision:
    """What becomes of one outreach, and the history metadata that says why."""

    result: str  # an EnrichmentResult other than pending/skipped
    metadata: dict[str, Any]


@dataclass
class ChunkResult:
    batch_id: int
    ready: int = 0
    not_available: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def done(self) -> int:
        return self.ready + self.not_available + self.failed + self.skipped

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _contact(person: Person, outreach: Outreach) -> Contact:
    company = person.company or outreach.company
    return Contact(
        person_id=person.pk,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        email_invalid=person.email_invalid,
        phone=person.phone,
        linkedin_url=person.linkedin_url,
        facebook_url=person.facebook_url,
        company_name=company.name if company else "",
        company_domain=company.domain if company else "",
    )


def decide(outreach: Outreach, findings: Findings | None, base: dict[str, Any]) -> Decision:
    """`ready` when the address the channel needs was found and is valid, else why not.

    An `other`-channel outreach is ready when any contact detail is known (email first).
    """
    metadata = {**base, "channel": outreach.channel}
    if outreach.person_id is None:
        return Decision(
            EnrichmentResult.NOT_AVAILABLE,
            {**metadata, "code": "no_person", "reason": "The outreach has no person to reach."},
        )
    if findings is None:
        return Decision(
            EnrichmentResult.FAILED,
            {
                **metadata,
                "code": "provider_error",
                "reason": "The provider gave no answer for this person.",
            },
        )
    wanted = CHANNEL_DETAIL.get(outreach.channel)
    if wanted is not None:
        detail = findings.get(wanted)
        if isinstance(detail, Found):
            return Decision(
                EnrichmentResult.READY, {**metadata, "found": detail.as_metadata(wanted)}
            )
        return Decision(
            EnrichmentResult.NOT_AVAILABLE,
            {**metadata, "field": wanted, "code": detail.code, "reason": detail.reason},
        )
    for name in DETAIL_FIELDS:
        detail = findings.get(name)
        if isinstance(detail, Found):
            return Decision(EnrichmentResult.READY, {**metadata, "found": detail.as_metadata(name)})
    return Decision(
        EnrichmentResult.NOT_AVAILABLE,
        {
            **metadata,
            "code": "nothing_known",
            "reason": "No valid email, phone or profile link is known for this person.",
            "details": {name: findings.get(name).reason for name in DETAIL_FIELDS},
        },
    )


def _person_changes(person: Person, findings: Findings, used: set[str]) -> dict[str, Any]:
    """The canonical values that differ from what the person has.

    An inferred value is only stored when an outreach used it (`used`), so every stored guess
    has a history row saying how it was reached; an inferred email is marked so, and never
    passes for a given address when the company's pattern is learnt again.
    """
    changes: dict[str, Any] = {}
    for name in DETAIL_FIELDS:
        detail = findings.get(name)
        if not isinstance(detail, Found) or detail.value == getattr(person, name):
            continue
        if detail.source == "given" or name in used:
            changes[name] = detail.value
            if name == "email":
                changes["email_inferred"] = detail.source == "inferred"
    return changes


def enrich_chunk(
    *, batch_id: int, outreach_ids: list[int], provider: EnrichmentProvider | None = None
) -> ChunkResult:
    """Enrich these outreaches of this batch: move each to `ready` or `not_available`.

    The work runs inside the batch's workspace, whoever runs it (a worker, `manage.py enrich`):
    what it reads and learns from (colleagues' address patterns) is that workspace's alone.
    """
    workspace_id = (
        EnrichmentBatch._base_manager.filter(pk=batch_id)
        .values_list("workspace_id", flat=True)
        .first()
    )
    if workspace_id is None:  # the batch is gone: nothing to do
        return ChunkResult(batch_id=batch_id)
    with workspace_scope(workspace_id):
        return _enrich_chunk(batch_id, outreach_ids, provider or get_provider())


def _enrich_chunk(
    batch_id: int, outreach_ids: list[int], provider: EnrichmentProvider
) -> ChunkResult:
    # Read and ask the provider outside any transaction: a slow provider must hold no locks.
    outreaches = list(
        Outreach.objects.filter(pk__in=outreach_ids, current_state=PipelineState.ENRICHMENT)
        .select_related("person__company", "company")
        .only(*_OUTREACH_FIELDS)
        .order_by("pk")
    )
    people: dict[int, Person] = {}
    contacts: dict[int, Contact] = {}
    for outreach in outreaches:
        if outreach.person is not None and outreach.person.pk not in people:
            people[outreach.person.pk] = outreach.person
            contacts[outreach.person.pk] = _contact(outreach.person, outreach)
    base: dict[str, Any] = {
        "batch_id": format_public_id(EnrichmentBatch.PUBLIC_ID_PREFIX, batch_id),
        "provider": provider.name,
    }
    try:
        findings = provider.enrich(list(contacts.values())) if contacts else {}
    except Exception as exc:  # any provider failure: record it rather than leave rows stuck
        error = {
            "code": "provider_error",
            "reason": f"The {provider.name} provider failed: {type(exc).__name__}: {exc}",
        }
        decisions = {
            o.pk: Decision(EnrichmentResult.FAILED, {**base, "channel": o.channel, **error})
            for o in outreaches
        }
        findings = {}
    else:
        decisions = {
            o.pk: decide(o, findings.get(o.person_id) if o.person_id else None, base)
            for o in outreaches
        }
    return _record(
        batch_id=batch_id,
        outreach_ids=outreach_ids,
        outreaches=outreaches,
        decisions=decisions,
        findings=findings,
    )


@transaction.atomic
def _record(
    *,
    batch_id: int,
    outreach_ids: list[int],
    outreaches: list[Outreach],
    decisions: dict[int, Decision],
    findings: dict[int, Findings],
) -> ChunkResult:
    """Write a chunk's results in one transaction; only items still pending are touched."""
    pending = set(
        EnrichmentBatchItem.objects.select_for_update()
        .filter(batch_id=batch_id, outreach_id__in=outreach_ids, result=EnrichmentResult.PENDING)
        .values_list("outreach_id", flat=True)
    )
    result = ChunkResult(batch_id=batch_id)
    if not pending:
        return result
    decided = {pk: d for pk, d in decisions.items() if pk in pending}
    moved: dict[int, str] = {}
    for name, ids in (
        ("complete_enrichment", [pk for pk, d in decided.items() if d.result == "ready"]),
        ("fail_enrichment", [pk for pk, d in decided.items() if d.result != "ready"]),
    ):
        if ids:
            transition = outreaches_batch_transition(
                ids=ids,
                name=name,
                actor=None,
                metadata_by_id={pk: decided[pk].metadata for pk in ids},
            )
            moved.update({pk: decided[pk].result for pk in transition.success_ids})
    # Not moved: no longer in `enrichment` (changed by hand, or deleted) when we got there.
    outcomes = {pk: moved.get(pk, EnrichmentResult.SKIPPED) for pk in pending}
    by_result: dict[str, list[int]] = defaultdict(list)
    for pk, outcome in outcomes.items():
        by_result[outcome].append(pk)
    counts = Counter({outcome: len(ids) for outcome, ids in by_result.items()})
    result = ChunkResult(
        batch_id=batch_id,
        ready=counts[EnrichmentResult.READY],
        not_available=counts[EnrichmentResult.NOT_AVAILABLE],
        failed=counts[EnrichmentResult.FAILED],
        skipped=counts[EnrichmentResult.SKIPPED],
    )
    now = timezone.now()
    EnrichmentBatchItem.objects.filter(batch_id=batch_id, outreach_id__in=pending).update(
        result=Case(
            *(When(outreach_id__in=ids, then=Value(outcome)) for outcome, ids in by_result.items()),
            default=F("result"),
        )
    )
    at = Value(now, output_field=DateTimeField())
    done_before = F("ready") + F("not_available") + F("failed") + F("skipped")
    EnrichmentBatch.objects.filter(pk=batch_id).update(
        ready=F("ready") + result.ready,
        not_available=F("not_available") + result.not_available,
        failed=F("failed") + result.failed,
        skipped=F("skipped") + result.skipped,
        started_at=Coalesce(F("started_at"), at),
        updated_at=now,
        finished_at=Case(
            When(finished_at__isnull=False, then=F("finished_at")),
            When(total__lte=done_before + result.done, then=at),
            default=None,
            output_field=DateTimeField(),
        ),
    )
    _update_people(outreaches, moved, decided, findings, now)
    _publish_if_finished(batch_id, now)
    return result


def _publish_if_finished(batch_id: int, now) -> None:
    """The chunk that finished its batch publishes `enrichment.batch.finished`."""
    counts = ("total", "ready", "not_available", "failed", "skipped")
    finished = (
        EnrichmentBatch.objects.filter(pk=batch_id, finished_at=now)
        .values("workspace_id", *counts)
        .first()
    )
    if finished is not None:
        batch_id_text = format_public_id(EnrichmentBatch.PUBLIC_ID_PREFIX, batch_id)
        effects.publish(
            type="enrichment.batch.finished",
            workspace_id=finished["workspace_id"],
            object_id=batch_id_text,
            data={"id": batch_id_text, **{name: finished[name] for name in counts}},
        )


def _update_people(
    outreaches: list[Outreach],
    moved: dict[int, str],
    decided: dict[int, Decision],
    findings: dict[int, Findings],
    now,
) -> None:
    """Store the normalised (and used inferred) details of the people whose outreaches moved."""
    used: dict[int, set[str]] = defaultdict(set)
    people: dict[int, Person] = {}
    for outreach in outreaches:
        if outreach.pk in moved and outreach.person is not None:
            people.setdefault(outreach.person.pk, outreach.person)
            found = decided[outreach.pk].metadata.get("found")
            if found:
                used[outreach.person.pk].add(found["field"])
    changes: dict[int, dict[str, Any]] = {}
    for pk, person in people.items():
        found = findings.get(pk)
        if found is not None and (person_changes := _person_changes(person, found, used[pk])):
            changes[pk] = person_changes
    people_update_details(changes=changes, at=now)


# --- recovery --------------------------------------------------------------------------------


def stale_before(now: datetime.datetime | None = None) -> datetime.datetime:
    """Work untouched since this moment counts as lost (a crashed worker, a lost task)."""
    minutes = settings.ENRICHMENT_STALE_AFTER_MINUTES
    return (now or timezone.now()) - datetime.timedelta(minutes=minutes)


@dataclass
class Recovery:
    """What a sweep handed out again: outreach ids by batch, and batches it closed."""

    plan: dict[int, list[int]] = field(default_factory=dict)
    closed: list[int] = field(default_factory=list)
    orphan_batch_id: int | None = None

    @property
    def outreach_count(self) -> int:
        return sum(len(ids) for ids in self.plan.values())


@transaction.atomic
def enrichment_recover(
    *,
    everything: bool = False,
    abandoned: Collection[int] = (),
    abandoned_before: datetime.datetime | None = None,
    queued: Collection[int] = (),
) -> Recovery:
    """Find enrichment work nobody is doing any more and plan to hand it out again.

    Stale means untouched for ENRICHMENT_STALE_AFTER_MINUTES (`everything=True`: all open work).
    `abandoned` batches are known to have lost their worker (outreach.tasks reads the task
    table): they are taken as soon as they are untouched since `abandoned_before` (a short
    lease), checked again here under the lock so two sweeps at once take a batch only once.
    `queued` batches still have work waiting in the queue: a worker will come to it, however
    long the queue, so they are left alone.
    An open batch that has not moved gets its pending outreaches queued again; an outreach in
    `enrichment` that belongs to no open batch (its batch was lost, or it was put there by
    hand) gets a new batch; an open batch with nothing pending is closed. The plan is the
    caller's to carry out: `outreach.tasks.enrichment_requeue_lost` queues it, `manage.py
    enrich` works it in its own process.
    """
    now = timezone.now()
    cutoff = stale_before(now)
    open_batches = EnrichmentBatch.objects.select_for_update(skip_locked=True).filter(
        finished_at__isnull=True
    )
    if not everything:
        lost = Q(updated_at__lt=cutoff)
        if abandoned and abandoned_before is not None:
            lost |= Q(pk__in=list(abandoned), updated_at__lt=abandoned_before)
        open_batches = open_batches.filter(lost).exclude(pk__in=list(queued))
    batch_ids = list(open_batches.order_by("pk").values_list("pk", flat=True))
    recovery = Recovery()
    for batch_id, outreach_id in (
        EnrichmentBatchItem.objects.filter(batch_id__in=batch_ids, result=EnrichmentResult.PENDING)
        .order_by("batch_id", "outreach_id")
        .values_list("batch_id", "outreach_id")
    ):
        recovery.plan.setdefault(batch_id, []).append(outreach_id)
    recovery.closed = [pk for pk in batch_ids if pk not in recovery.plan]
    if recovery.closed:
        EnrichmentBatch.objects.filter(pk__in=recovery.closed).update(
            finished_at=now, updated_at=now
        )
    if recovery.plan:
        EnrichmentBatch.objects.filter(pk__in=list(recovery.plan)).update(
            updated_at=now, requeued=F("requeued") + 1
        )
    orphans = Outreach.objects.filter(current_state=PipelineState.ENRICHMENT).exclude(
        Exists(
            EnrichmentBatchItem.objects.filter(
                outreach_id=OuterRef("pk"), result=EnrichmentResult.PENDING
            )
        )
    )
    if not everything:
        orphans = orphans.filter(updated_at__lt=cutoff)
    # A batch per workspace: its work runs inside that workspace.
    by_workspace: dict[int, list[int]] = {}
    for pk, workspace_id in orphans.order_by("pk").values_list("pk", "workspace_id"):
        by_workspace.setdefault(workspace_id, []).append(pk)
    for workspace_id, orphan_ids in sorted(by_workspace.items()):
        batch = enrichment_batch_open(
            outreach_ids=orphan_ids, actor=None, workspace_id=workspace_id
        )
        recovery.orphan_batch_id = recovery.orphan_batch_id or batch.pk
        recovery.plan[batch.pk] = orphan_ids
    return recovery
