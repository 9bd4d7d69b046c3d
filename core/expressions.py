"""Query expressions shared by the apps."""

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
