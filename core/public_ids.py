"""Prefixed public ids (`out_42`): the one place that knows how ids look on the outside.

The database keeps integer keys; the API, the dashboard and the compatibility endpoints speak
`<prefix>_<number>`. A malformed id never reaches a query.
"""

import re

PREFIXES = {
    "user": "usr",
    "company": "com",
    "person": "per",
    "sequence": "seq",
    "outreach": "out",
    "job": "job",
    "followup": "fup",
    "enrichment_batch": "enb",
    "workspace": "wsp",
    "mailbox": "mbx",
    "message": "msg",
    "inbound_message": "inb",
    "suppression": "sup",
}

# Upper bound of a BigAutoField: larger numbers cannot name a row and would overflow the query.
MAX_PK = 2**63 - 1
_SHAPE = re.compile(r"^([a-z]{3})_([0-9]{1,19})$")


class InvalidPublicId(ValueError):
    """The text is not a well-formed id with the expected prefix."""


def format_public_id(prefix: str, pk: int | None) -> str | None:
    return None if pk is None else f"{prefix}_{pk}"


def parse_public_id(prefix: str, value: object) -> int:
    """Return the primary key named by `value`, or raise InvalidPublicId explaining the shape."""
    text = value.strip() if isinstance(value, str) else None
    match = _SHAPE.match(text) if text else None
    if not match or match.group(1) != prefix:
        raise InvalidPublicId(f"Not a valid id: expected the form {prefix}_<number>.")
    pk = int(match.group(2))
    if not 0 < pk <= MAX_PK:
        raise InvalidPublicId(f"Not a valid id: expected the form {prefix}_<number>.")
    return pk


def try_parse_public_id(prefix: str, value: object) -> int | None:
    try:
        return parse_public_id(prefix, value)
    except InvalidPublicId:
        return None


class PublicIdMixin:
    """Gives a model its `public_id` property from the class attribute PUBLIC_ID_PREFIX."""

    PUBLIC_ID_PREFIX: str = ""

    @property
    def public_id(self) -> str:
        return format_public_id(self.PUBLIC_ID_PREFIX, self.pk)
