"""An outreach's history as people read it: every entry a title and sentences, never raw data.

The history rows (`OutreachTransition`) keep what the code knew as metadata: what enrichment found
or missed and how, why a move was made or refused, where it was made from. Outcomes logged after
the outreach was recorded come from the audit log. Every kind is worded here, and only here; the
outreach page shows the result.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .choices import DeliveryStatus, HistoryField, Outcome, PipelineState
from .models import OutreachTransition

# What each transition did, said after the fact.
TRANSITION_TITLES = {
    "start_enrichment": "Enrichment started",
    "complete_enrichment": "Enrichment finished: ready to send",
    "fail_enrichment": "Enrichment finished: no way to reach them",
    "start": "Started",
    "wait": "Waiting for a reply",
    "pause": "Sequence paused",
    "resume": "Sequence resumed",
    "finish": "Sequence finished",
    "run": "Delivery started",
    "perform": "Delivered",
    "fail": "Delivery failed",
    "abort": "Delivery aborted",
    "cancel": "Delivery canceled",
    "retry": "Delivery queued again",
}
# The moves a refusal names ("refused": the transition asked for), as a person would ask.
ASKED_FOR = {"start": "start it", "run": "start delivering it"}
DETAIL_LABELS = {
    "email": "Email",
    "phone": "Phone",
    "linkedin_url": "LinkedIn profile",
    "facebook_url": "Facebook profile",
}
PROVIDER_LABELS = {"local": "the built-in provider"}
SPELLING_HABITS = {"hyphens": "hyphenated names", "umlauts": "umlauts"}
STATE_LABELS = {
    **dict(PipelineState.choices),
    **dict(DeliveryStatus.choices),
}
OUTCOME_LABELS = dict(Outcome.choices)
# Keys of enrichment metadata that the sentences already cover or that say nothing to a reader.
_ENRICHMENT_KEYS = {
    "batch_id",
    "provider",
    "channel",
    "found",
    "field",
    "code",
    "reason",
    "details",
}


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of the history: what happened, in words, with who and when."""

    kind: str  # "current_state", "delivery_status" or "outcome"
    kind_label: str
    title: str
    created_at: datetime
    actor_name: str
    from_state: str = ""
    to_state: str = ""
    from_label: str = ""
    to_label: str = ""
    reason: str = ""  # what a person typed, shown as they wrote it
    lines: list[str] = field(default_factory=list)


# --- sentences ----------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    """Capitalised, ending with a full stop (reasons are written by code and by people)."""
    text = str(text).strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def _percent(confidence: Any) -> str:
    try:
        return f"{round(float(confidence) * 100)}% sure"
    except (TypeError, ValueError):
        return ""


def _plain(value: Any) -> str:
    """Any stored value as words: lists joined, mappings as `key: value`, yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{_key_label(k)}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if value is None or value == "":
        return "—"
    return str(value)


def _key_label(key: str) -> str:
    return DETAIL_LABELS.get(key) or str(key).replace("_", " ").capitalize()


def found_sentences(found: dict[str, Any]) -> list[str]:
    """`Email found: ada@… (86% sure, from the pattern first.last at analytical.io, …)`."""
    label = DETAIL_LABELS.get(found.get("field", ""), _key_label(found.get("field", "detail")))
    value = found.get("value", "")
    if found.get("source") == "given":
        return [f"{label} checked: {value} (already known for this person)."]
    how = [part for part in (_percent(found.get("confidence")),) if part]
    pattern, domain = found.get("pattern"), found.get("domain")
    if pattern and domain:
        how.append(f"from the pattern {pattern} at {domain}")
    colleagues, following = found.get("colleagues"), found.get("following")
    if colleagues:
        people = f"{colleagues} colleague{'s' if colleagues != 1 else ''}"
        how.append(f"which {following} of {people} there follow")
    sentences = [f"{label} found: {value}" + (f" ({', '.join(how)})." if how else ".")]
    assumed = [SPELLING_HABITS.get(a, str(a)) for a in found.get("assumed") or []]
    if assumed:
        sentences.append(
            f"No colleague's address shows how {' and '.join(assumed)} are written; "
            "the usual way was assumed."
        )
    return sentences


def enrichment_sentences(metadata: dict[str, Any]) -> list[str]:
    """What enrichment found or why it found nothing, and which run it was."""
    lines: list[str] = []
    if isinstance(metadata.get("found"), dict):
        lines += found_sentences(metadata["found"])
    elif metadata.get("reason"):
        wanted = metadata.get("field")
        reason = _sentence(metadata["reason"])
        lines.append(
            f"{DETAIL_LABELS.get(wanted, _key_label(wanted))} not available: {reason}"
            if wanted
            else reason
        )
    for name, why in (metadata.get("details") or {}).items():
        lines.append(f"{_key_label(name)}: {_sentence(why)}")
    run = []
    if metadata.get("batch_id"):
        run.append(f"enrichment batch {metadata['batch_id']}")
    if metadata.get("provider"):
        provider = metadata["provider"]
        run.append(f"checked by {PROVIDER_LABELS.get(provider, f'the {provider} provider')}")
    if run:
        lines.append(_sentence(", ".join(run)))
    return lines


ENRICHMENT_TRANSITIONS = ("complete_enrichment", "fail_enrichment")


def transition_sentences(row: OutreachTransition) -> tuple[str, list[str]]:
    """The reason a person gave (as written) and the sentences of everything else."""
    metadata = row.metadata if isinstance(row.metadata, dict) else {"details": row.metadata}
    reason, lines, handled = "", [], set()
    if row.transition in ENRICHMENT_TRANSITIONS or "batch_id" in metadata:
        lines += enrichment_sentences(metadata)
        handled |= _ENRICHMENT_KEYS
    elif metadata.get("refused"):
        asked = ASKED_FOR.get(metadata["refused"], f"run “{metadata['refused']}”")
        lines.append(f"Asked to {asked}, but {_lower_first(metadata.get('reason', ''))}")
        handled |= {"refused", "reason"}
    elif metadata.get("reason"):
        reason = str(metadata["reason"])
        handled.add("reason")
    if "on_create" in metadata:
        if metadata["on_create"]:
            lines.append("Set when the outreach was recorded.")
        handled.add("on_create")
    if "source" in metadata:
        source = metadata["source"]
        lines.append(
            "Done from the admin site." if source == "admin" else f"From {_plain(source)}."
        )
        handled.add("source")
    for key, value in metadata.items():
        if key not in handled:
            lines.append(f"{_key_label(key)}: {_plain(value)}.")
    return reason, lines


def _lower_first(text: str) -> str:
    """A reason continuing a sentence: first letter small unless it starts a name like "ID"."""
    text = _sentence(text)
    if len(text) > 1 and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def outcome_title(before: str | None, after: str) -> tuple[str, list[str]]:
    label = OUTCOME_LABELS.get(after, _plain(after))
    if before == after:
        return f"Outcome logged again: {label.lower()}", []
    if before in (None, "", Outcome.NONE):
        return f"Outcome logged: {label.lower()}", []
    return (
        f"Outcome logged: {label.lower()}",
        [f"It was {OUTCOME_LABELS.get(before, _plain(before)).lower()} before."],
    )


# --- entries ------------------------------------------------------------------------------------


def _actor_name(user, fallback: str = "") -> str:
    if user is not None:
        return user.get_full_name() or user.get_username()
    return fallback if fallback and fallback != "system" else "the system"


def transition_entry(row: OutreachTransition) -> HistoryEntry:
    reason, lines = transition_sentences(row)
    return HistoryEntry(
        kind=row.field,
        kind_label=HistoryField(row.field).label if row.field in HistoryField.values else "",
        title=TRANSITION_TITLES.get(row.transition, _key_label(row.transition)),
        created_at=row.created_at,
        actor_name=_actor_name(row.actor),
        from_state=row.from_state,
        to_state=row.to_state,
        from_label=STATE_LABELS.get(row.from_state, _key_label(row.from_state)),
        to_label=STATE_LABELS.get(row.to_state, _key_label(row.to_state)),
        reason=reason,
        lines=lines,
    )


def outcome_entry(entry) -> HistoryEntry:
    """An audit entry that logged an outcome (`changes["outcome"]` = [before, after])."""
    before, after = [*(entry.changes.get("outcome") or []), None, None][:2]
    title, lines = outcome_title(before, after)
    return HistoryEntry(
        kind="outcome",
        kind_label="Outcome",
        title=title,
        created_at=entry.created_at,
        actor_name=_actor_name(entry.actor, entry.actor_name),
        from_state=before or "",
        to_state=after or "",
        lines=lines,
    )


def history_entries(
    transitions: Iterable[OutreachTransition], outcome_log: Iterable = ()
) -> list[HistoryEntry]:
    """State changes and logged outcomes in one list, oldest first."""
    entries = [transition_entry(row) for row in transitions]
    entries += [outcome_entry(entry) for entry in outcome_log]
    return sorted(entries, key=lambda e: e.created_at)
