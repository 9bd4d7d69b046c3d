"""The set-based batch transition and the one-at-a-time path agree: same end states, same
history, same enrichment items, on any mix of states and any list of ids (repeats and unknown
ids included)."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.choices import DeliveryStatus, PipelineState
from outreach.exceptions import TransitionNotAllowed
from outreach.models import EnrichmentBatchItem, Outreach, OutreachTransition
from outreach.services.batches import outreaches_batch_apply
from outreach.services.outreaches import outreach_transition
from outreach.services.transitions import ONE_AT_A_TIME_TRANSITIONS
from outreach.state_machine import DELIVERY_TRANSITIONS, PIPELINE_TRANSITIONS, transition_spec
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# Every transition a batch may run: the FSM decides, minus those that check each outreach.
BATCH_TRANSITIONS = [
    name
    for name in (*PIPELINE_TRANSITIONS, *DELIVERY_TRANSITIONS)
    if not transition_spec(name).has_conditions and name not in ONE_AT_A_TIME_TRANSITIONS
]
MISSING = 10**12  # ids at and above this name no outreach

states = st.tuples(
    st.sampled_from([s.value for s in PipelineState]),
    st.sampled_from([s.value for s in DeliveryStatus]),
)


def test_the_fsm_offers_batch_transitions_on_both_fields():
    fields = {transition_spec(name).field for name in BATCH_TRANSITIONS}
    assert fields == {"current_state", "delivery_status"}


def _create(person, rows) -> list[Outreach]:
    return Outreach.objects.bulk_create(
        Outreach(
            workspace=person.workspace,
            person=person,
            company=person.company,
            current_state=s,
            delivery_status=d,
        )
        for s, d in rows
    )


def _snapshot(outreaches: list[Outreach]) -> list[tuple]:
    """Per outreach, in input order: its states, whether done_time is set, its history."""
    snapshot = []
    for outreach in outreaches:
        row = Outreach.objects.get(pk=outreach.pk)
        history = list(
            OutreachTransition.objects.filter(outreach=outreach)
            .order_by("id")
            .values_list("field", "transition", "from_state", "to_state", "actor_id", "metadata")
        )
        items = EnrichmentBatchItem.objects.filter(outreach_id=outreach.pk).count()
        snapshot.append(
            (row.current_state, row.delivery_status, row.done_time is None, history, items)
        )
    return snapshot


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(states, min_size=1, max_size=8),
    picks=st.lists(st.integers(min_value=0, max_value=9), max_size=12),
    name=st.sampled_from(BATCH_TRANSITIONS),
)
def test_batch_and_one_at_a_time_agree(user, rows, picks, name):
    with transaction.atomic():
        person = PersonFactory()
        batch_side = _create(person, rows)
        single_side = _create(person, rows)

        def ids_of(side):
            return [side[i].pk if i < len(side) else MISSING + i for i in picks]

        result = outreaches_batch_apply(ids=ids_of(batch_side), name=name, actor=user)
        moved = []
        for pk in ids_of(single_side):
            try:
                outreach_transition(outreach=Outreach.objects.get(pk=pk), name=name, actor=user)
            except (Outreach.DoesNotExist, TransitionNotAllowed):
                continue
            moved.append(pk)

        index = {o.pk: i for i, o in enumerate(batch_side)}
        single_index = {o.pk: i for i, o in enumerate(single_side)}
        assert [index[pk] for pk in result.success_ids] == [single_index[pk] for pk in moved]
        assert _snapshot(batch_side) == _snapshot(single_side)
        transaction.set_rollback(True)
