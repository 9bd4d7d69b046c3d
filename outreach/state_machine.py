"""Reads the transition table declared on Outreach, so nothing else has to restate it.

Batch endpoints, admin actions and dashboard buttons ask this module which states a transition
accepts, where it leads and why it may be refused; the table itself lives on the model.
"""

from dataclasses import dataclass
from functools import cache

from django_fsm import FSMFieldMixin

from .models import Outreach


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    field: str
    sources: tuple[str, ...]
    target: str
    has_conditions: bool

    def describe_sources(self) -> str:
        return " or ".join(f"'{s}'" for s in self.sources)


def _fsm_field(name: str) -> FSMFieldMixin:
    field = Outreach._meta.get_field(name)
    assert isinstance(field, FSMFieldMixin)
    return field


def transition_names(field: str) -> tuple[str, ...]:
    """Names of the transitions of one state field, in declaration order."""
    seen: dict[str, None] = {}
    for transition in _fsm_field(field).get_all_transitions(Outreach):
        seen[transition.name] = None
    return tuple(seen)


PIPELINE_TRANSITIONS = transition_names("current_state")
DELIVERY_TRANSITIONS = transition_names("delivery_status")


@cache
def transition_spec(name: str) -> TransitionSpec:
    method = getattr(Outreach, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        raise KeyError(f"{name} is not a transition of Outreach")
    transitions = list(meta.transitions.values())
    targets = {t.target for t in transitions}
    assert len(targets) == 1, f"{name} must have one target"
    field = meta.field if isinstance(meta.field, str) else meta.field.name
    return TransitionSpec(
        name=name,
        field=field,
        sources=tuple(str(s) for s in meta.transitions),
        target=str(targets.pop()),
        has_conditions=any(t.conditions for t in transitions),
    )


def unmet_conditions(outreach: Outreach, name: str) -> list[str]:
    """Why a transition's conditions refuse this outreach, in words (empty when they pass)."""
    spec = transition_spec(name)
    meta = getattr(Outreach, name)._django_fsm
    transition = meta.get_transition(getattr(outreach, spec.field))
    if transition is None:
        return []
    return [
        getattr(condition, "failure", condition.__name__)
        for condition in transition.conditions
        if not condition(outreach)
    ]


def available_transitions(outreach: Outreach, field: str = "current_state") -> list[str]:
    """Transitions the outreach can take now, conditions included (for buttons)."""
    get_available = getattr(outreach, f"get_available_{field}_transitions")
    return [t.name for t in get_available()]
