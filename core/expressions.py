"""Query expressions shared by the apps."""

import json
from collections.abc import Iterable

from django.db import models
from django.db.models import F, Func, Subquery


class InSubquery(Func):
    """`column IN (subquery)`. On PostgreSQL it is written `column = ANY(ARRAY(subquery))`: the
    subquery then runs once, and the column's index answers it even inside an OR (a bitmap OR of
    index scans) where `IN (subquery)` would test every row of the table."""

    arg_joiner = " IN "
    template = "%(expressions)s"
    output_field = models.BooleanField()

    def __init__(self, column: str, queryset: models.QuerySet):
        super().__init__(F(column), Subquery(queryset))

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            arg_joiner=" = ANY(ARRAY",
            template="%(expressions)s)",
            **extra_context,
        )


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
