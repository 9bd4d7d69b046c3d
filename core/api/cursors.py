"""Cursor (keyset) pages: the rows after the last row seen, in the list's own order.

A list's order is read from its queryset (its `order_by`, else the model's `Meta.ordering`),
with the primary key appended as the tie-breaker when missing. A cursor holds the last row's
values of those keys and a fingerprint of the list it was made for (path, filters, sort,
workspace); it is signed, so a changed, foreign or stale cursor is refused (400 naming
`cursor`) instead of answering another list's rows.

The next page is the rows strictly after those values: "after" follows each key's direction and
where that key's NULLs sort (PostgreSQL puts them last ascending and first descending, SQLite
the reverse, unless the order says NULLS FIRST/LAST). On PostgreSQL, when every key runs in one
direction, the condition is a row comparison `(k, id) > (v, i)`, which an index on (…, k, id)
answers as a range scan at any depth; a nullable key's NULL rows, which a row comparison never
matches, are a second range (`k IS NULL`) read after the first. Elsewhere the condition is the
equivalent `k > v OR (k = v AND id > i)`.
"""

import base64
import datetime
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework.exceptions import ValidationError

from core.scoping import current_workspace_id

CURSOR_PARAM = "cursor"
# Parameters that move through a list rather than choose it: a cursor stays valid across them.
POSITION_PARAMS = frozenset({"cursor", "page", "per"})
MAX_CURSOR_LENGTH = 2000
SALT = "core.api.cursors"
# The annotation names the last row's key values are read back from.
KEY_ALIAS = "cursor_key_{}"
INVALID = "Invalid cursor: it must be a next_cursor this list gave, with the same filters and sort."


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY term: the field path, its direction and where its NULLs sort."""

    name: str
    descending: bool
    nullable: bool
    nulls_last: bool

    def spec(self) -> str:
        return f"{'-' if self.descending else ''}{self.name}{'~' if self.nulls_last else ''}"


class CursorUnavailable(Exception):
    """The list's order cannot be walked by keys (a random or computed order)."""


def _ordering(queryset: QuerySet) -> list:
    query = queryset.query
    if query.order_by:
        return list(query.order_by)
    if query.default_ordering:
        return list(queryset.model._meta.ordering)
    return []


def _is_nullable(model, name: str, queryset: QuerySet) -> bool:
    """Whether the path can be NULL (any nullable step, or an annotation: assume so)."""
    if name in queryset.query.annotations:
        return True
    if name == "pk":
        return False
    opts = model._meta
    nullable = False
    for part in name.split("__"):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return True
        nullable = nullable or field.null
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
        if not field.is_relation and part != name.split("__")[-1]:
            return True  # a transform (e.g. __year): not a plain column
    return nullable


def sort_keys(queryset: QuerySet) -> list[SortKey]:
    """The list's ORDER BY as keys, ending with the primary key.

    Raises CursorUnavailable when a term is not a plain field (random order, expressions).
    """
    vendor = connections[queryset.db].vendor
    keys: list[SortKey] = []
    pk_name = queryset.model._meta.pk.name
    for term in _ordering(queryset):
        nulls_first = nulls_last = False
        if isinstance(term, str):
            if term == "?" or "." in term:
                raise CursorUnavailable(term)
            descending = term.startswith("-")
            name = term.lstrip("-+")
        elif isinstance(term, F):
            name, descending = term.name, False
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            name, descending = term.expression.name, term.descending
            nulls_first, nulls_last = bool(term.nulls_first), bool(term.nulls_last)
        else:
            raise CursorUnavailable(repr(term))
        if name == pk_name:
            name = "pk"
        if not (nulls_first or nulls_last):
            # The database's own NULL order: PostgreSQL's NULLs are larger than any value,
            # SQLite's and MySQL's smaller.
            nulls_last = descending if vendor != "postgresql" else not descending
        keys.append(
            SortKey(name, descending, _is_nullable(queryset.model, name, queryset), nulls_last)
        )
        if name == "pk":
            break  # unique: later terms never decide
    if not keys or keys[-1].name != "pk":
        descending = keys[-1].descending if keys else False
        keys.append(SortKey("pk", descending, False, True))
    return keys


def ordered(queryset: QuerySet, keys: list[SortKey]) -> QuerySet:
    """The queryset with the primary key appended to its order when it was missing."""
    if any(key.name == "pk" for key in _keys_of(queryset)):
        return queryset
    last = keys[-1]
    return queryset.order_by(*_ordering(queryset), "-pk" if last.descending else "pk")


def _keys_of(queryset: QuerySet) -> list[SortKey]:
    pk_name = queryset.model._meta.pk.name
    found = []
    for term in _ordering(queryset):
        name = None
        if isinstance(term, str):
            name = term.lstrip("-+")
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            name = term.expression.name
        elif isinstance(term, F):
            name = term.name
        if name in ("pk", pk_name):
            found.append(SortKey("pk", False, False, True))
    return found


def fingerprint(request, keys: list[SortKey]) -> str:
    """What a cursor is bound to: the list (path), its filters and sort, and the workspace."""
    query = getattr(request, "query_params", None) or request.GET
    params = sorted((name, values) for name, values in query.lists() if name not in POSITION_PARAMS)
    material = json.dumps(
        [request.path, params, [key.spec() for key in keys], current_workspace_id()],
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def _encode_value(value):
    if isinstance(value, datetime.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, datetime.date):
        return ["d", value.isoformat()]
    if isinstance(value, datetime.time):
        return ["h", value.isoformat()]
    if isinstance(value, decimal.Decimal):
        return ["n", str(value)]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    if isinstance(value, (bytes, memoryview)):
        return ["b", base64.b64encode(bytes(value)).decode()]
    return value


def _decode_value(value):
    if not isinstance(value, list):
        return value
    kind, text = value
    return {
        "t": datetime.datetime.fromisoformat,
        "d": datetime.date.fromisoformat,
        "h": datetime.time.fromisoformat,
        "n": decimal.Decimal,
        "u": uuid.UUID,
        "b": base64.b64decode,
    }[kind](text)


def make_cursor(bound_to: str, values: list) -> str:
    """An opaque, signed cursor for the rows after `values` in the list `bound_to` names."""
    return signing.dumps(
        {"l": bound_to, "v": [_encode_value(v) for v in values]}, salt=SALT, compress=True
    )


def read_cursor(raw: str, bound_to: str, keys: list[SortKey]) -> list:
    """The key values a cursor holds; a 400 naming `cursor` when it is not this list's."""
    if not raw or len(raw) > MAX_CURSOR_LENGTH:
        raise ValidationError({CURSOR_PARAM: [INVALID]})
    try:
        payload = signing.loads(raw, salt=SALT)
        values = [_decode_value(v) for v in payload["v"]]
        valid = payload["l"] == bound_to and len(values) == len(keys)
    except (signing.BadSignature, KeyError, TypeError, ValueError, decimal.InvalidOperation):
        valid = False
    if not valid:
        raise ValidationError({CURSOR_PARAM: [INVALID]})
    if values[-1] is None:
        raise ValidationError({CURSOR_PARAM: [INVALID]})
    return values


def _strictly_after(key: SortKey, value) -> Q | None:
    """Rows whose `key` sorts after `value` (None: none do)."""
    if value is None:
        # NULLs last: nothing is after them; NULLs first: every value is.
        return None if key.nulls_last else Q(**{f"{key.name}__isnull": False})
    after = Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
    if key.nullable and key.nulls_last:
        after |= Q(**{f"{key.name}__isnull": True})
    return after


def _equal(key: SortKey, value) -> Q:
    if value is None:
        return Q(**{f"{key.name}__isnull": True})
    return Q(**{key.name: value})


def after_condition(keys: list[SortKey], values: list) -> Q:
    """`k1 after v1 OR (k1 = v1 AND (k2 after v2 OR …))`, correct on every database."""
    condition: Q | None = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        after = _strictly_after(key, value)
        if condition is not None:
            tail = _equal(key, value) & condition
            condition = tail if after is None else after | tail
        else:
            condition = after
    if condition is None:
        return Q(pk__in=[])
    first, value = keys[0], values[0]
    if not first.nullable and value is not None and len(keys) > 1:
        # Implied by the condition, but said so an index on the first key starts its range at
        # the last value (mixed directions have no row comparison to do it).
        condition &= Q(**{f"{first.name}__{'lte' if first.descending else 'gte'}": value})
    return condition


def _row_compare(keys: list[SortKey], values: list):
    """`(k1, …, kn) > (v1, …, vn)` (or <) for keys of one direction and non-NULL values."""
    if len(keys) == 1:
        return Q(**{f"{keys[0].name}__{'lt' if keys[0].descending else 'gt'}": values[0]})
    lookup = TupleLessThan if keys[0].descending else TupleGreaterThan
    return lookup(Tuple(*(F(key.name) for key in keys)), list(values))


def after_ranges(keys: list[SortKey], values: list) -> list | None:
    """The rows after `values` as index ranges read one after the other (PostgreSQL), or None
    when the order does not fit (mixed directions, or a nullable key after the first)."""
    if len({key.descending for key in keys}) != 1 or any(key.nullable for key in keys[1:]):
        return None
    first, value = keys[0], values[0]
    if not first.nullable or len(keys) == 1:
        if any(v is None for v in values):
            return None
        return [_row_compare(keys, values)]
    is_null = Q(**{f"{first.name}__isnull": True})
    not_null = Q(**{f"{first.name}__isnull": False})
    if value is None:
        after_nulls = [is_null & _row_compare(keys[1:], values[1:])]
        return after_nulls if first.nulls_last else [*after_nulls, not_null]
    after_values = _row_compare(keys, values)
    return [after_values, is_null] if first.nulls_last else [after_values]


def rows_after(queryset: QuerySet, keys: list[SortKey], values: list, limit: int) -> QuerySet:
    """The ids (a subquery) of the first `limit` rows after `values` in the queryset's order."""
    ranges = None
    if connections[queryset.db].vendor == "postgresql":
        ranges = after_ranges(keys, values)
    if not ranges:
        return queryset.filter(after_condition(keys, values)).values("pk")[:limit]
    parts = [queryset.filter(part).values("pk")[:limit] for part in ranges]
    if len(parts) == 1:
        return parts[0]
    # Each range is read in order up to the limit; the union holds at most 2 × limit ids,
    # which the page's own ORDER BY then puts in order.
    return parts[0].union(*parts[1:], all=True)


def _read_directly(rows: QuerySet, key: SortKey) -> bool:
    """Whether the hydrated rows already carry the key's value under its own name."""
    if key.name == "pk":
        return not rows._fields or "pk" in rows._fields or "id" in rows._fields
    if rows._fields:  # values() rows: the names they select
        return key.name in rows._fields
    if key.name in rows.query.annotations:
        return True
    try:
        field = rows.model._meta.get_field(key.name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.is_relation and field.attname == key.name


def annotate_keys(rows, keys: list[SortKey]):
    """The hydrated rows with each key's value alongside: under its own name when they select
    it already, else as `cursor_key_<n>`."""
    if not isinstance(rows, QuerySet):
        return rows
    extra = {
        KEY_ALIAS.format(n): F(key.name)
        for n, key in enumerate(keys)
        if not _read_directly(rows, key)
    }
    return rows.annotate(**extra) if extra else rows


def _value(row, name: str):
    if isinstance(row, dict):
        if name == "pk" and "pk" not in row:
            name = "id"
        return row[name]
    return getattr(row, name)


def key_values(row, keys: list[SortKey]) -> list | None:
    """The row's key values, read back from its columns (None: not available)."""
    values = []
    for n, key in enumerate(keys):
        for name in (KEY_ALIAS.format(n), key.name):
            try:
                values.append(_value(row, name))
                break
            except (KeyError, AttributeError):
                continue
        else:
            return None
    return values


def strip_keys(rows: list) -> list:
    """Rows without the key annotations (values() rows are dicts that would carry them)."""
    if not rows or not isinstance(rows[0], dict):
        return rows
    # Every values() row has the same keys: find the annotations once, not in every row.
    names = [name for name in rows[0] if name.startswith(KEY_ALIAS.format(""))]
    for row in rows:
        for name in names:
            del row[name]
    return rows


def default_hydrate(ids, queryset: QuerySet) -> QuerySet:
    return queryset.filter(pk__in=ids)


def with_keys(hydrate, keys: list[SortKey]):
    """`hydrate` whose rows also carry their key values, for the next page's cursor."""
    load = hydrate or default_hydrate

    def hydrate_with_keys(ids, queryset):
        return annotate_keys(load(ids, queryset), keys)

    return hydrate_with_keys


def page_after(
    queryset: QuerySet, keys: list[SortKey], values: list, per: int, hydrate=None
) -> tuple[list, list | None]:
    """The `per` rows after `values`, and the last one's key values when more rows follow.

    One statement: the ids range (one more than a page, to know whether another follows) is a
    subquery of the rows' load.
    """
    ids = rows_after(queryset, keys, values, per + 1)
    rows = with_keys(hydrate, keys)(ids, queryset)
    if isinstance(rows, QuerySet):
        rows = rows[: per + 1]
    rows = list(rows)
    last = key_values(rows[per - 1], keys) if len(rows) > per else None
    return strip_keys(rows[:per]), last
