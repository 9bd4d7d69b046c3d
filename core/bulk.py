"""Set-based writes the ORM has no cheap form for."""

from typing import Any

from django.db import connection, models


def update_rows(model: type[models.Model], changes: dict[int, dict[str, Any]], now) -> None:
    """Give each row its own new values (`{pk: {field: value}}`) and `updated_at = now`, in as
    few UPDATE statements as SQLite's parameter limit allows."""
    for part in _within_parameter_limit(changes):
        _set_columns(model, part, now)


# SQLite allows 999 parameters a statement; stay under it whatever the chunk size.
_MAX_PARAMS = 900


def _within_parameter_limit(changes: dict[int, dict[str, Any]]) -> list[dict[int, dict]]:
    parts: list[dict[int, dict]] = [{}]
    used = 1  # updated_at
    for pk, values in changes.items():
        cost = 2 * len(values) + 1  # WHEN pk THEN value per field, and pk in the WHERE
        if parts[-1] and used + cost > _MAX_PARAMS:
            parts.append({})
            used = 1
        parts[-1][pk] = values
        used += cost
    return [part for part in parts if part]


def _set_columns(model, changes: dict[int, dict[str, Any]], now) -> None:
    """One UPDATE giving each row its own values: `SET col = CASE id WHEN … END`.

    What `bulk_update` writes, built directly: bulk_update resolves one ORM expression per row
    and field, which cost more than the rest of a chunk together.
    """
    quote = connection.ops.quote_name
    pk_column = quote(model._meta.pk.column)
    assignments, params = [], []
    for name in sorted({name for values in changes.values() for name in values}):
        column = quote(model._meta.get_field(name).column)
        rows = [(pk, values[name]) for pk, values in changes.items() if name in values]
        whens = " ".join("WHEN %s THEN %s" for _ in rows)
        assignments.append(f"{column} = CASE {pk_column} {whens} ELSE {column} END")
        params.extend(item for row in rows for item in row)
    assignments.append(f"{quote(model._meta.get_field('updated_at').column)} = %s")
    params.append(connection.ops.adapt_datetimefield_value(now))
    placeholders = ", ".join("%s" for _ in changes)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {pk_column} IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *changes])
