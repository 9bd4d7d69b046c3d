"""The outreaches of the demo data, with the history rows of how each reached its states and,
once sent, the follow-ups the automation would have scheduled.

The draws share the builder's one seeded Random, in a fixed order: changing the order or the
number of draws changes every row drawn after it.
"""

import datetime
import random
from dataclasses import dataclass
from typing import Any

from followups.choices import LAST_ATTEMPT, FollowUpKind, FollowUpStatus
from followups.services import follow_up_delay, follow_up_title, respond_title
from jobs.heat import LatestTouch
from outreach.choices import (
    MESSAGE_ID_OUTREACH_TYPES,
    OUTREACH_TYPE_CHANNEL,
    UNRESOLVED_OUTCOMES,
    Channel,
    Context,
    DeliveryStatus,
    Outcome,
    PipelineState,
)
from outreach.models import Outreach
from outreach.services.sort_keys import row_values
from outreach.state_machine import transition_spec

from .draws import DAY, CompanyDraft, Drawing, PersonDraft, Picker
from .vocabulary import (
    BODY_LINES,
    CHANNELS,
    CONTEXTS,
    DELIVERY_BY_STATE,
    DELIVERY_PATHS,
    DIRECTIONS,
    ENRICHMENT_FAILURES,
    FAILURE_REASONS,
    MESSAGE_TYPES,
    OUTCOMES,
    PIPELINE_PATHS,
    PIPELINE_STATES,
    SKIP_REPLIERS,
    SUBJECTS,
    SYSTEM_TRANSITIONS,
    TYPES_BY_CHANNEL,
)
from .writer import TableWriter

# States an outreach reaches only once enrichment found what its channel needs.
ENRICHED = frozenset(
    {PipelineState.READY.value, PipelineState.STARTING.value, PipelineState.WAITING.value}
)
# Starting a sequence needs one: outreaches in these states always have a sequence.
NEEDS_SEQUENCE = frozenset({PipelineState.STARTING.value, PipelineState.WAITING.value})


@dataclass(frozen=True)
class OutreachDraws:
    """The weighted draws of an outreach's columns."""

    state: Picker
    channel: Picker
    type_by_channel: dict[str, Picker | None]
    delivery_by_state: dict[str, Picker]
    outcome: Picker
    context: Picker
    skip_repliers: Picker
    direction: Picker
    message_type: Picker
    sequence: Picker
    # Among outreaches whose state does not need a sequence, the share drawn without one.
    p_no_sequence: float


@dataclass(slots=True)
class OutreachDraft:
    """An outreach as its row, history and follow-ups are drawn from it."""

    pk: int
    person: PersonDraft | None
    company: CompanyDraft | None
    job_id: int | None
    sequence_id: int | None
    channel: str
    outreach_type: str | None
    state: str
    delivery: str
    outcome: str
    approved: bool
    actor: int | None
    created: datetime.datetime
    # Set by the history walk: the last move, the first delivery move, the `perform` move.
    updated: datetime.datetime | None = None
    done_time: datetime.datetime | None = None
    sent_at: datetime.datetime | None = None


def _made_possible(
    state: str, delivery: str, outcome: str, channel: str, person: PersonDraft | None
) -> tuple[str, str, str]:
    """Set right, after every draw (so the draws, and every row after, stay as they were), what
    the draws may combine but the product never does: an email outreach of a person with no
    address ends enrichment not available, and only a waiting outreach has been sent."""
    if channel == Channel.EMAIL and person is not None and not person.email and state in ENRICHED:
        state = PipelineState.NOT_AVAILABLE.value
        if delivery != DeliveryStatus.CANCELED.value:
            delivery = DeliveryStatus.PENDING.value
    if delivery == DeliveryStatus.PERFORMED.value and state != PipelineState.WAITING.value:
        delivery = DeliveryStatus.PENDING.value
    if delivery != DeliveryStatus.PERFORMED.value:
        outcome = Outcome.NONE.value
    return state, delivery, outcome


class OutreachBuilder(Drawing):
    """Draws the outreaches into three writers, and remembers each job's latest outreach (the
    jobs' stored heat depends on it)."""

    def __init__(
        self,
        *,
        rng: random.Random,
        now: datetime.datetime,
        outreaches: TableWriter,
        history: TableWriter,
        followups: TableWriter,
        usernames: dict[int, str],
        sequence_names: dict[int, str],
    ):
        super().__init__(rng, now)
        self.outreach_rows = outreaches
        self.history_rows = history
        self.followup_rows = followups
        # Outreaches carry their owner's username and their sequence's name as sort keys.
        self.usernames = usernames
        self.sequence_names = sequence_names
        self.latest_touch: dict[int, tuple[datetime.datetime, int, LatestTouch]] = {}
        self.follow_up_delay = follow_up_delay()
        # History rows take their source and target from the model's transition table.
        self.transition_specs = {
            name: transition_spec(name)
            for path in (*PIPELINE_PATHS.values(), *DELIVERY_PATHS.values())
            for name in path
        }
        self.initial_states = {
            name: str(Outreach._meta.get_field(name).default)
            for name in ("current_state", "delivery_status")
        }

    def build(
        self,
        count: int,
        people: list[PersonDraft],
        companies: list[CompanyDraft],
        sequences: list[int],
        tags: list[int],
    ) -> None:
        draws = self._outreach_draws(sequences)
        for _ in range(count):
            outreach = self._draw_outreach(draws, people, companies)
            self._add_history(outreach)
            row = self._outreach_row(outreach, draws, tags)
            self.outreach_rows.add(row)
            if outreach.job_id is not None:
                self._track_latest_touch(outreach, row)
            if outreach.sent_at is not None and (outreach.person or outreach.job_id):
                self._add_followups(outreach)

    def _outreach_draws(self, sequences: list[int]) -> OutreachDraws:
        share_needing = sum(w for s, w in PIPELINE_STATES if s in NEEDS_SEQUENCE) / sum(
            w for _, w in PIPELINE_STATES
        )
        return OutreachDraws(
            state=self.pick(PIPELINE_STATES),
            channel=self.pick(CHANNELS),
            type_by_channel={c: self.pick(w) if w else None for c, w in TYPES_BY_CHANNEL.items()},
            delivery_by_state={s: self.pick(w) for s, w in DELIVERY_BY_STATE.items()},
            outcome=self.pick(OUTCOMES),
            context=self.pick(CONTEXTS),
            skip_repliers=self.pick(SKIP_REPLIERS),
            direction=self.pick(DIRECTIONS),
            message_type=self.pick(MESSAGE_TYPES),
            # Sequences are used unevenly: a few popular cadences, a long tail.
            sequence=self.pick([(pk, 1 / (rank + 1)) for rank, pk in enumerate(sequences)]),
            # A third of all outreaches have no sequence, though some states need one.
            p_no_sequence=(1 / 3) / (1 - share_needing),
        )

    def _draw_outreach(
        self, draws: OutreachDraws, people: list[PersonDraft], companies: list[CompanyDraft]
    ) -> OutreachDraft:
        """Who, where, which states and when: the draws the rest of the outreach depends on."""
        rng = self.rng
        person = people[rng.randrange(len(people))] if rng.random() < 0.97 else None
        company = person.company if person else companies[rng.randrange(len(companies))]
        state = draws.state()
        if state in NEEDS_SEQUENCE:
            sequence_id = draws.sequence()
        else:
            sequence_id = None if rng.random() < draws.p_no_sequence else draws.sequence()
        channel = draws.channel()
        outreach_type = None
        type_of = draws.type_by_channel[channel]
        if type_of is not None and rng.random() < 0.8:
            outreach_type = type_of()
        delivery = draws.delivery_by_state[state]()
        outcome = (
            draws.outcome() if delivery == DeliveryStatus.PERFORMED.value else Outcome.NONE.value
        )
        job_id = None
        if company and company.job_ids and rng.random() < 0.5:
            job_id = rng.choice(company.job_ids)
        created = self.ago(365)
        approved = state in NEEDS_SEQUENCE or rng.random() < 0.4
        pk = self.outreach_rows.take_id()
        actor = company.owner_id if company and rng.random() < 0.7 else None
        state, delivery, outcome = _made_possible(state, delivery, outcome, channel, person)
        return OutreachDraft(
            pk=pk,
            person=person,
            company=company,
            job_id=job_id,
            sequence_id=sequence_id,
            channel=channel,
            outreach_type=outreach_type,
            state=state,
            delivery=delivery,
            outcome=outcome,
            approved=approved,
            actor=actor,
            created=created,
        )

    def _add_history(self, outreach: OutreachDraft) -> None:
        """Walk the pipeline, then the delivery, from their initial states to the drawn ones,
        writing the history rows the services would have written on the way."""
        rng = self.rng
        span = (self.now - outreach.created).total_seconds()
        at = outreach.created
        for field_name, path in (
            ("current_state", PIPELINE_PATHS[outreach.state]),
            ("delivery_status", DELIVERY_PATHS[outreach.delivery]),
        ):
            current = self.initial_states[field_name]
            for name in path:
                at += datetime.timedelta(seconds=span * 0.1 * rng.random())
                spec = self.transition_specs[name]
                metadata = {}
                if name == "fail_enrichment":
                    metadata = {"reason": rng.choice(ENRICHMENT_FAILURES)}
                self.history_rows.add(
                    {
                        "outreach_id": outreach.pk,
                        "field": spec.field,
                        "transition": name,
                        "from_state": current,
                        "to_state": spec.target,
                        "actor_id": None if name in SYSTEM_TRANSITIONS else outreach.actor,
                        "metadata": metadata,
                        "created_at": at,
                    }
                )
                current = spec.target
                if field_name == "delivery_status":
                    outreach.done_time = outreach.done_time or at
                    if name == "perform":
                        outreach.sent_at = at
        outreach.updated = at

    def _outreach_row(
        self, outreach: OutreachDraft, draws: OutreachDraws, tags: list[int]
    ) -> dict[str, Any]:
        rng = self.rng
        pk, person, company = outreach.pk, outreach.person, outreach.company
        first = person.first if person else "there"
        body, body_type = self._body(first)
        error = self._error_description(outreach.delivery)
        mail = outreach.outreach_type in MESSAGE_ID_OUTREACH_TYPES and outreach.sent_at is not None
        outreach_type = outreach.outreach_type
        return {
            "id": pk,
            "person_id": person.pk if person else None,
            "company_id": company.pk if company else None,
            "job_id": outreach.job_id,
            "sequence_id": outreach.sequence_id,
            "tag_id": tags[rng.randrange(len(tags))] if rng.random() < 0.4 else None,
            "channel": (
                OUTREACH_TYPE_CHANNEL[outreach_type].value if outreach_type else outreach.channel
            ),
            "outreach_type": outreach_type,
            "current_state": outreach.state,
            "delivery_status": outreach.delivery,
            "outcome": outreach.outcome,
            "context": Context.JOB_OPPORTUNITY.value if outreach.job_id else draws.context(),
            "message_type": draws.message_type(),
            "personalization_score": max(0, min(100, round(rng.gauss(70, 12)))),
            "approved": outreach.approved,
            "skip_repliers": draws.skip_repliers(),
            "direction": draws.direction(),
            "subject": rng.choice(SUBJECTS).format(
                company=company.name if company else "your team",
                first=first,
                title=person.title if person else "open",
            ),
            "body": body,
            "body_type": body_type,
            "error_description": error,
            "screenshot_url": (
                f"https://screenshots.outreach-demo.test/{pk}.png" if rng.random() < 0.02 else ""
            ),
            "message_id": f"<{rng.getrandbits(64):016x}@mail.outreach-demo.test>" if mail else "",
            "sent_at": outreach.sent_at,
            "done_time": outreach.done_time,
            "created_by_id": outreach.actor,
            "created_at": outreach.created,
            "updated_at": outreach.updated,
            **row_values(
                company_name=company.name if company else None,
                owner_username=self.usernames.get(company.owner_id) if company else None,
                sequence_name=self.sequence_names.get(outreach.sequence_id),
            ),
        }

    def _body(self, first: str) -> tuple[str, str]:
        """A one-line message, one in ten as HTML: (body, body_type)."""
        rng = self.rng
        line = rng.choice(BODY_LINES)
        if rng.random() < 0.1:
            return f"<p>Hi {first},</p><p>{line}</p>", "html"
        return f"Hi {first},\n\n{line}\n\nBest regards", "plain"

    def _error_description(self, delivery: str) -> str:
        if delivery == DeliveryStatus.FAILED.value:
            return self.rng.choice(FAILURE_REASONS)
        if delivery == DeliveryStatus.ABORTED.value:
            return "Skipped: the person already replied (skip_repliers)."
        return ""

    def _track_latest_touch(self, outreach: OutreachDraft, row: dict[str, Any]) -> None:
        """Remember the job's latest outreach as `outreach.selectors.job_latest_touch` picks it:
        latest sent (else created), then highest id."""
        touched = outreach.sent_at or outreach.created
        known = self.latest_touch.get(outreach.job_id)
        if known is None or (touched, outreach.pk) > known[:2]:
            person = outreach.person
            self.latest_touch[outreach.job_id] = (
                touched,
                outreach.pk,
                LatestTouch(
                    outcome=outreach.outcome,
                    strength=person.strength if person else None,
                    channel=row["channel"],
                    personalization_score=row["personalization_score"],
                    touched_at=touched,
                ),
            )

    def _add_followups(self, outreach: OutreachDraft) -> None:
        """The follow-ups the automation would have created for a delivered outreach."""
        person, company = outreach.person, outreach.company
        base = {
            "outreach_id": outreach.pk,
            "person_id": person.pk if person else None,
            "job_id": outreach.job_id,
            "kind": FollowUpKind.FOLLOW_UP.value,
            "title": follow_up_title(
                person=person.full_name if person else None,
                company=company.name if company else None,
            ),
            "created_at": outreach.sent_at,
        }
        if outreach.outcome in UNRESOLVED_OUTCOMES:
            self._add_follow_up_attempts(base, outreach.sent_at)
        else:
            self._add_resolved_follow_ups(base, outreach)

    def _add_follow_up_attempts(self, base: dict[str, Any], sent_at: datetime.datetime) -> None:
        """No outcome yet: attempt 1 is pending, or (once it fell due a while ago) sometimes
        done, which scheduled the last attempt."""
        rng = self.rng
        due = sent_at + self.follow_up_delay
        if not (due < self.now - 2 * DAY and rng.random() < 0.5):
            self.followup_rows.add(
                {
                    **base,
                    "attempt_no": 1,
                    "due_at": due,
                    "status": FollowUpStatus.PENDING.value,
                    "updated_at": sent_at,
                }
            )
            return
        completed = due + datetime.timedelta(hours=rng.uniform(1, 40))
        self.followup_rows.add(
            {
                **base,
                "attempt_no": 1,
                "due_at": due,
                "status": FollowUpStatus.DONE.value,
                "completed_at": completed,
                "updated_at": completed,
            }
        )
        last_due = completed + self.follow_up_delay
        done = last_due < self.now and rng.random() < 0.3
        self.followup_rows.add(
            {
                **base,
                "attempt_no": LAST_ATTEMPT,
                "due_at": last_due,
                "status": FollowUpStatus.DONE.value if done else FollowUpStatus.PENDING.value,
                "completed_at": last_due if done else None,
                "created_at": completed,
                "updated_at": last_due if done else completed,
            }
        )

    def _add_resolved_follow_ups(self, base: dict[str, Any], outreach: OutreachDraft) -> None:
        """An outcome canceled the follow-up; a reply asks for an answer."""
        rng = self.rng
        sent_at, person = outreach.sent_at, outreach.person
        self.followup_rows.add(
            {
                **base,
                "attempt_no": 1,
                "due_at": sent_at + self.follow_up_delay,
                "status": FollowUpStatus.CANCELED.value,
                "updated_at": sent_at,
            }
        )
        # The outcomes outreach.services.effects.apply_outcome answers with a `respond` to-do.
        if outreach.outcome in (Outcome.REPLIED, Outcome.POSITIVE) and person:
            replied = sent_at + datetime.timedelta(hours=rng.uniform(2, 72))
            done = rng.random() < 0.6 and replied < self.now
            self.followup_rows.add(
                {
                    **base,
                    "kind": FollowUpKind.RESPOND.value,
                    "title": respond_title(person.full_name),
                    "attempt_no": 1,
                    "due_at": replied,
                    "created_at": replied,
                    "status": FollowUpStatus.DONE.value if done else FollowUpStatus.PENDING.value,
                    "completed_at": replied + DAY if done else None,
                    "updated_at": replied + DAY if done else replied,
                }
            )
