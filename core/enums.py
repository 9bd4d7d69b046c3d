"""Lenient reading of enum values: `EMAIL`, `:pending` and `linkedin_directmessage` all match.

MassProspecting-compatible clients send Ruby symbols (`:pending`); people type any case.
Stored and returned values are always the canonical spelling of the choice.
"""

from collections.abc import Iterable


def normalize_choice(value: object, choices: Iterable[str]) -> str | None:
    """Return the canonical choice `value` names, or None when it names none."""
    if not isinstance(value, str):
        return None
    key = value.strip().lstrip(":").lower()
    for choice in choices:
        if choice.lower() == key:
            return choice
    return None
