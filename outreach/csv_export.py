"""CSV export of a filtered outreach list, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from .models import Outreach

COLUMNS = [
    ("id", lambda o: o.public_id),
    ("person_id", lambda o: o.person.public_id if o.person_id else ""),
    ("person", lambda o: o.person.full_name if o.person_id else ""),
    ("email", lambda o: o.person.email if o.person_id else ""),
    ("company_id", lambda o: o.company.public_id if o.company_id else ""),
    ("company", lambda o: o.company.name if o.company_id else ""),
    (
        "owner",
        lambda o: o.company.owner.get_username() if o.company_id and o.company.owner_id else "",
    ),
    ("job_id", lambda o: o.job.public_id if o.job_id else ""),
    ("job", lambda o: o.job.title if o.job_id else ""),
    ("sequence_id", lambda o: o.sequence.public_id if o.sequence_id else ""),
    ("sequence", lambda o: o.sequence.name if o.sequence_id else ""),
    ("channel", lambda o: o.channel),
    ("outreach_type", lambda o: o.outreach_type or ""),
    ("current_state", lambda o: o.current_state),
    ("delivery_status", lambda o: o.delivery_status),
    ("outcome", lambda o: o.outcome),
    ("context", lambda o: o.context),
    ("tag", lambda o: o.tag.name if o.tag_id else ""),
    ("approved", lambda o: "true" if o.approved else "false"),
    ("personalization_score", lambda o: o.personalization_score),
    ("subject", lambda o: o.subject),
    ("sent_at", lambda o: o.sent_at.isoformat() if o.sent_at else ""),
    ("created_at", lambda o: o.created_at.isoformat()),
]

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """Make a cell inert in spreadsheets: text that would start a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def export_rows(outreaches: Iterable[Outreach]) -> Iterator[list]:
    yield [name for name, _ in COLUMNS]
    for outreach in outreaches:
        yield [defuse(get(outreach)) for _, get in COLUMNS]


def export_lines(queryset: QuerySet[Outreach], chunk_size: int = 2000) -> Iterator[str]:
    """The CSV text of the outreaches, line by line, reading the rows in chunks."""
    queryset = queryset.select_related(
        "person", "company", "company__owner", "job", "sequence", "tag"
    )
    writer = csv.writer(_Echo())
    yield "\ufeff"  # lets spreadsheet programs detect UTF-8
    for row in export_rows(queryset.iterator(chunk_size=chunk_size)):
        yield writer.writerow(row)
