"""Query expressions shared by the apps."""

import json
from collections.abc import Iterable

from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q


def json_ids_sql(connection) -> str:
    """A subquery whose `value` column holds the ids of one JSON array parameter (`%s`)."""
    if connection.vendor == "postgresql":
        return "SELECT value::bigint AS value FROM jsonb_array_elements_text(%s::jsonb)"
    return "SELECT value FROM json_each(%s)"


class InIds(Func):
    """`column IN (ids)` with the ids sent as one JSON parameter. Django writes one placeholder
    per id and prepares each value, which costs more than the statement itself for a batch of
    10,000; the database unpacks a JSON array at C speed instead."""

    output_field = models.BooleanField()

    def __init__(self, column: str, ids: Iterable[int]):
        super().__init__(F(column))
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        ids = json_ids_sql(connection)
        # On PostgreSQL `= ANY(ARRAY(…))` runs the subquery once and probes the index with it.
        condition = "= ANY(ARRAY({}))" if connection.vendor == "postgresql" else "IN ({})"
        return f"{column} {condition.format(ids)}", [*params, json.dumps(self.ids)]


class InIdValues(InIds):
    """InIds whose ids PostgreSQL plans with as values (one array constant), not as a subquery
    it runs first: it then estimates how many rows they match and tests a row against a hash
    of them instead of comparing it with every id."""

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} = ANY(%s::bigint[])", [*params, self.ids]


# A text search reads up to this many matching ids first; more, and the term is common.
MATCHES_READ_FIRST_UP_TO = 20_000


def in_matches(column: str, queryset: models.QuerySet) -> Q:
    """`column IN (the ids the queryset matches)`, for a search's matches in a smaller table.

    Up to MATCHES_READ_FIRST_UP_TO ids are read first and sent as values (InIdValues): the
    planner then knows what they match, which decides whether a search is counted, and reads
    a rare term's rows through the column's index. As a subquery it expected 711 outreaches of
    17,257 matching people where 84,048 were, counted them all, and its lossy bitmap compared
    825,000 rows with every id (47 s at 10M rows). A common term's matches are many: each row
    read in the page's order looks its own one up by primary key (EXISTS), where `IN
    (subquery)` would first collect them all, and past work_mem scan that list for every row.
    """
    queryset = queryset.order_by()
    ids = list(queryset.values_list("pk", flat=True)[: MATCHES_READ_FIRST_UP_TO + 1])
    if len(ids) <= MATCHES_READ_FIRST_UP_TO:
        return Q(InIdValues(column, ids))
    return Q(Exists(queryset.filter(pk=OuterRef(column))))
