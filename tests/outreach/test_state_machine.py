"""The pipeline transition table, its history rows and its refusals."""

import pytest

from outreach.exceptions import TransitionNotAllowed
from outreach.models import Outreach, OutreachTransition
from outreach.services.outreaches import outreach_transition
from outreach.state_machine import (
    DELIVERY_TRANSITIONS,
    PIPELINE_TRANSITIONS,
    available_transitions,
    transition_spec,
)
from tests.factories import (
    MailboxFactory,
    OutreachFactory,
    SequenceFactory,
    SequenceStepFactory,
)

pytestmark = pytest.mark.django_db

# SPEC's table, restated here once so the test fails if the model drifts from it.
SPEC_TABLE = {
    "start_enrichment": ({"new", "not_available"}, "enrichment"),
    "complete_enrichment": ({"enrichment"}, "ready"),
    "fail_enrichment": ({"enrichment"}, "not_available"),
    "start": ({"ready"}, "starting"),
    "wait": ({"starting"}, "waiting"),
    "pause": ({"starting", "waiting"}, "paused"),
    "resume": ({"paused"}, "waiting"),
    "finish": ({"starting", "waiting", "paused"}, "finished"),
}
STATES = [
    "new",
    "enrichment",
    "ready",
    "not_available",
    "starting",
    "waiting",
    "paused",
    "finished",
]


def test_the_model_declares_exactly_the_spec_table():
    assert set(PIPELINE_TRANSITIONS) == set(SPEC_TABLE)
    for name, (sources, target) in SPEC_TABLE.items():
        spec = transition_spec(name)
        assert set(spec.sources) == sources
        assert spec.target == target
        assert spec.field == "current_state"


def test_delivery_transitions_belong_to_the_other_field():
    assert set(DELIVERY_TRANSITIONS) == {"run", "perform", "fail", "abort", "cancel", "retry"}
    assert all(transition_spec(n).field == "delivery_status" for n in DELIVERY_TRANSITIONS)


def test_state_field_is_protected():
    outreach = OutreachFactory()
    with pytest.raises(AttributeError):
        outreach.current_state = "ready"


@pytest.mark.parametrize("name", sorted(SPEC_TABLE))
@pytest.mark.parametrize("state", STATES)
def test_every_transition_from_every_state(name, state, user):
    sources, target = SPEC_TABLE[name]
    sequence = SequenceFactory()
    SequenceStepFactory(sequence=sequence, position=1)
    outreach = OutreachFactory(
        state=state, sequence=sequence, approved=True, mailbox=MailboxFactory()
    )
    if state in sources:
        moved = outreach_transition(outreach=outreach, name=name, actor=user)
        assert moved.current_state == target
        row = OutreachTransition.objects.get(outreach=outreach)
        assert (row.from_state, row.to_state, row.transition) == (state, target, name)
        assert row.actor == user
        assert row.field == "current_state"
        assert row.created_at is not None
    else:
        with pytest.raises(TransitionNotAllowed) as excinfo:
            outreach_transition(outreach=outreach, name=name, actor=user)
        assert f"'{state}'" in str(excinfo.value)
        assert f"'{target}'" in str(excinfo.value)
        assert Outreach.objects.get(pk=outreach.pk).current_state == state
        assert not OutreachTransition.objects.exists()


def test_system_transition_records_no_actor_and_keeps_metadata():
    outreach = OutreachFactory(state="enrichment")
    outreach_transition(
        outreach=outreach, name="fail_enrichment", actor=None, metadata={"reason": "no email"}
    )
    row = OutreachTransition.objects.get()
    assert row.actor is None
    assert row.metadata == {"reason": "no email"}


@pytest.mark.parametrize(
    ("sequence", "approved", "message"),
    [
        (False, True, "it needs a sequence"),
        (True, False, "it must be approved (approved: true)"),
        (False, False, "it needs a sequence and it must be approved (approved: true)"),
    ],
)
def test_start_needs_a_sequence_and_approval(sequence, approved, message, user):
    outreach = OutreachFactory(
        state="ready", sequence=SequenceFactory() if sequence else None, approved=approved
    )
    with pytest.raises(TransitionNotAllowed) as excinfo:
        outreach_transition(outreach=outreach, name="start", actor=user)
    assert message in str(excinfo.value)
    assert "'ready'" in str(excinfo.value) and "'starting'" in str(excinfo.value)


def test_available_transitions_follow_state_and_conditions():
    assert available_transitions(OutreachFactory(state="new")) == ["start_enrichment"]
    assert set(available_transitions(OutreachFactory(state="enrichment"))) == {
        "complete_enrichment",
        "fail_enrichment",
    }
    assert available_transitions(OutreachFactory(state="ready")) == []
    ready = OutreachFactory(state="ready", sequence=SequenceFactory(), approved=True)
    assert available_transitions(ready) == ["start"]
