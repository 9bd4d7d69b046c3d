"""The REST contract's pagination: `page` (1-based) and `per`, answered as {items, pagination}.

A page is read ids first: the filtered, ordered query selects only the page's ids (an index scan
that skips `offset` entries without touching the rows), then the rows of those ids are loaded
(by the view's `hydrate`, or from the same queryset). Both run as one statement.

`total_count` is exact whenever that is cheap, and an estimate, said so in the response, when not.
On PostgreSQL the planner's row estimate for the filtered query (read from its EXPLAIN) decides:
when it is at most COUNT_EXACT_UP_TO the rows are counted, exactly; when it is larger, or the
count passes that cap, `total_count` is the estimate (never below the rows the page proves
exist) and `pagination` also carries `"count_is_estimate": true, "count_method":
"planner_estimate"`. A page that ends before `per` rows proves the count and is always exact.
SQLite, which has no estimate, always counts. Estimate and count are one statement, so a list is
two queries after authentication, whatever the page size, filter or sort.

A search is counted with its page instead. Its matches are found by text (through trigram indexes,
often of other tables), which gives them no index order: the page reads every match to order
them, and a separate count would read them all again. The page's
ids are selected with `COUNT(*) OVER ()` — one pass for both, exact whatever the number — and the
rows are then loaded by id; still two queries (after the search's own lookups of the ids its
text matches, core.expressions.in_matches). On PostgreSQL the planner's estimate is read in
that statement first: a search it expects to match more than COUNT_EXACT_UP_TO rows skips the
counting pass and is answered as any large list (its page read in order, its estimate said so),
as an index in the page's order finds a common term's first rows at once.

Every list also takes `cursor`, the `pagination.next_cursor` of the page before (see
core.api.cursors): the rows after that page's last row, found through the order's index at any
depth, with no OFFSET. A cursor page is one query after authentication: it is not counted (the
first, numbered page gave the count; counting again would cost as much at every depth and tell
nothing new), and its `pagination` is `per_page` and `next_cursor` only. Numbered pages carry
`next_cursor` too, so a client may switch to cursors after any page.
"""

import math

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Window
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from .cursors import (
    CURSOR_PARAM,
    CursorUnavailable,
    fingerprint,
    key_values,
    make_cursor,
    ordered,
    page_after,
    read_cursor,
    sort_keys,
    strip_keys,
    with_keys,
)

DEFAULT_PER = 50
MAX_PER = 200
# Counting this many rows costs a few milliseconds on an indexed filter; past it, estimate.
COUNT_EXACT_UP_TO = 10_000
ESTIMATE_METHOD = "planner_estimate"
MAX_OFFSET = 2**62
# A search's (rows, exact count, planner estimate), see _search_page.
SearchPage = tuple[list | None, int | None, int | None]


def parse_positive_int(params, name: str, default: int, maximum: int | None = None) -> int:
    """Read an integer query parameter; a bad value is a 400 that names the parameter."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: ["A whole number is required."]}) from None
    if value < 1:
        raise ValidationError({name: ["Must be 1 or more."]})
    if maximum is not None and value > maximum:
        raise ValidationError({name: [f"Must be at most {maximum}."]})
    return value


def page_of(queryset, offset: int, limit: int, hydrate=None) -> list:
    """The rows at [offset, offset + limit) of an ordered queryset, selected by id first."""
    ids = queryset.values("pk")[offset : offset + limit]
    if hydrate is not None:
        return list(hydrate(ids, queryset))
    return list(queryset.filter(pk__in=ids))


def count_matching(queryset, *, at_least: int = 0) -> tuple[int, str | None]:
    """How many rows the queryset matches, and None when exact or the estimate's method.

    On PostgreSQL the planner's estimate comes first: when it says at most COUNT_EXACT_UP_TO
    rows, they are counted (exact when the count stays within that cap). A larger estimate is
    answered as it is, raised to `at_least` (rows the caller has seen to exist), without reading
    the rows. Other databases count exactly.
    """
    rows = queryset.order_by().values("pk")
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return rows.count(), None
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter no row can match (e.g. a value past the column's range)
        return 0, None
    with connection.cursor() as cursor:
        # The count is a subquery PostgreSQL runs only when its CASE branch is taken. The query
        # has no ORDER BY or LIMIT of its own, so the cap is a LIMIT written after it.
        cursor.execute(
            "SELECT estimated.n, CASE WHEN estimated.n <= %s THEN "
            f"(SELECT COUNT(*) FROM ({sql} LIMIT %s) AS capped) END "
            "FROM (SELECT api_count_estimate(%s) AS n) AS estimated",
            [
                COUNT_EXACT_UP_TO,
                *params,
                COUNT_EXACT_UP_TO + 1,
                connection.ops.compose_sql(sql, params),
            ],
        )
        estimate, counted = cursor.fetchone()
    if counted is not None and counted <= COUNT_EXACT_UP_TO:
        return counted, None
    return max(estimate or 0, counted or 0, at_least), ESTIMATE_METHOD


def page_and_count(
    queryset, offset: int, per: int, hydrate=None, *, search: bool = False
) -> tuple[list, int, str | None]:
    """A page's rows, the total count and how it was estimated (None when exact).

    Counted on every page, so that every page costs the same queries; a full page proves at
    least one more row, and a page that ends early proves the exact count. A `search` page
    counts its matches while selecting its ids (see the module's docstring).
    """
    rows: list | None = None
    estimate = None
    # No table holds that many rows, and databases refuse offsets past 64 bits.
    if offset >= MAX_OFFSET:
        rows = []
    elif search:
        rows, total, estimate = _search_page(queryset, offset, per, hydrate)
        if total is not None:
            return rows, total, None
    if rows is None:
        rows = page_of(queryset, offset, per, hydrate)
    seen = offset + len(rows) + (1 if len(rows) == per else 0)
    if estimate is not None:  # a search too broad to count: answered like any large list
        total, method = max(estimate, seen), ESTIMATE_METHOD
    else:
        total, method = count_matching(queryset, at_least=seen)
    if len(rows) < per and (rows or offset == 0):
        return rows, offset + len(rows), None
    return rows, total, method


def _search_page(queryset, offset: int, per: int, hydrate) -> SearchPage:
    """(rows, exact count, None) from one pass over the matches.

    On PostgreSQL the planner's estimate comes in the same statement, and a search it expects
    to match more than COUNT_EXACT_UP_TO rows is not counted: (None, None, estimate), and the
    caller reads its page as for any list (an index in the page's order finds a common term's
    first rows at once). Past the end no row carries the count: ([], None, None).
    """
    # Filtering on the count makes Django select it in a subquery, which tells the planner
    # that every match is read: PostgreSQL 15 costs a LIMIT over `COUNT(*) OVER ()` as if it
    # could stop early, and would walk the sort's index through the whole table to skip a sort.
    counted = queryset.annotate(search_matches=Window(Count("pk"))).filter(search_matches__gt=0)
    page = counted.values_list("pk", "search_matches")[offset : offset + per]
    connection = connections[queryset.db]
    try:
        if connection.vendor == "postgresql":
            estimate, selected = _estimate_then_page(queryset, page, connection)
            if estimate > COUNT_EXACT_UP_TO:
                return None, None, estimate
        else:
            selected = list(page)
    except EmptyResultSet:  # a filter no row can match
        return [], 0, None
    if not selected:
        return [], 0 if offset == 0 else None, None
    ids = [pk for pk, _ in selected]
    rows = hydrate(ids, queryset) if hydrate is not None else queryset.filter(pk__in=ids)
    return list(rows), selected[0][1], None


def _estimate_then_page(queryset, page, connection) -> tuple[int, list[tuple[int, int]]]:
    """The planner's estimate of the matches and, only when it is at most COUNT_EXACT_UP_TO,
    the page's (id, count) rows: one statement, the page a branch PostgreSQL skips otherwise."""
    plain_sql, plain_params = queryset.order_by().values("pk").query.sql_with_params()
    page_sql, page_params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT estimated.n, page.* FROM (SELECT api_count_estimate(%s) AS n) AS estimated "
            f"LEFT JOIN LATERAL (SELECT * FROM ({page_sql}) AS found "
            # LIMIT 0 reads nothing; a WHERE here would be tested after the page was read.
            "LIMIT CASE WHEN estimated.n <= %s THEN NULL ELSE 0 END) AS page ON true",
            [connection.ops.compose_sql(plain_sql, plain_params), *page_params, COUNT_EXACT_UP_TO],
        )
        fetched = cursor.fetchall()
    estimate = fetched[0][0] or 0
    return estimate, [(pk, matches) for _, pk, matches in fetched if pk is not None]


class PagePerPagination(BasePagination):
    page_query_param = "page"
    per_query_param = "per"
    cursor_query_param = CURSOR_PARAM

    def paginate_queryset(self, queryset, request, view=None, hydrate=None, search=False):
        """The page's rows; `hydrate(ids, queryset)` loads them (default: the queryset).

        `search`: the queryset is a search, counted with its page (see the module).
        """
        self.per = parse_positive_int(
            request.query_params, self.per_query_param, DEFAULT_PER, MAX_PER
        )
        self.next_cursor = None
        raw_cursor = request.query_params.get(self.cursor_query_param)
        try:
            keys = sort_keys(queryset)
        except CursorUnavailable:
            keys = None
        if keys is not None:
            queryset = ordered(queryset, keys)
            bound_to = fingerprint(request, keys)
        self.cursor_page = raw_cursor is not None
        if self.cursor_page:
            if keys is None:
                raise ValidationError({self.cursor_query_param: ["This list has no cursor pages."]})
            after = read_cursor(raw_cursor, bound_to, keys)
            rows, last = page_after(queryset, keys, after, self.per, hydrate)
            if last is not None:
                self.next_cursor = make_cursor(bound_to, last)
            return rows
        self.page = parse_positive_int(request.query_params, self.page_query_param, 1)
        offset = (self.page - 1) * self.per
        rows, self.total_count, self.count_method = page_and_count(
            queryset,
            offset,
            self.per,
            with_keys(hydrate, keys) if keys is not None else hydrate,
            search=search,
        )
        if keys is not None and rows and offset + len(rows) < self.total_count:
            last = key_values(rows[-1], keys)
            if last is not None:
                self.next_cursor = make_cursor(bound_to, last)
        return strip_keys(rows)

    def get_paginated_response(self, data):
        return Response({"items": data, "pagination": self.pagination_info()})

    def pagination_info(self) -> dict:
        if self.cursor_page:
            return {"per_page": self.per, "next_cursor": self.next_cursor}
        info = {
            "current_page": self.page,
            "per_page": self.per,
            "total_pages": math.ceil(self.total_count / self.per),
            "total_count": self.total_count,
            "next_cursor": self.next_cursor,
        }
        if self.count_method is not None:
            info["count_is_estimate"] = True
            info["count_method"] = self.count_method
        return info

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "pagination"],
            "properties": {
                "items": schema,
                "pagination": {
                    "type": "object",
                    "required": ["per_page", "next_cursor"],
                    "properties": {
                        "current_page": {
                            "type": "integer",
                            "example": 1,
                            "description": "Numbered pages only (absent with `cursor`).",
                        },
                        "per_page": {"type": "integer", "example": DEFAULT_PER},
                        "total_pages": {
                            "type": "integer",
                            "example": 2,
                            "description": "Numbered pages only (absent with `cursor`).",
                        },
                        "total_count": {
                            "type": "integer",
                            "example": 55,
                            "description": "Numbered pages only (absent with `cursor`: a "
                            "cursor page is not counted).",
                        },
                        "next_cursor": {
                            "type": "string",
                            "nullable": True,
                            "example": None,
                            "description": "Pass as `cursor` for the rows after this page "
                            "(same filters and sort); null when no row follows.",
                        },
                        "count_is_estimate": {
                            "type": "boolean",
                            "description": "Present (true) only when total_count is an "
                            f"estimate: more than {COUNT_EXACT_UP_TO:,} rows match (PostgreSQL).",
                        },
                        "count_method": {
                            "type": "string",
                            "enum": [ESTIMATE_METHOD],
                            "description": "How the estimate was made: the PostgreSQL "
                            "planner's row estimate for the filtered query.",
                        },
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "in": "query",
                "required": False,
                "description": "1-based page number. A page past the end answers no items.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque: a page's `pagination.next_cursor`, for the rows after "
                "it in the same order, as fast at any depth (`page` is then ignored). Keep the "
                "filters and sort it was given with; another list's, changed or malformed "
                "cursor is a 400 naming `cursor`. Cursor pages carry no count.",
                "schema": {"type": "string"},
            },
            {
                "name": self.per_query_param,
                "in": "query",
                "required": False,
                "description": f"Items per page, 1–{MAX_PER}. Default {DEFAULT_PER}.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER,
                    "default": DEFAULT_PER,
                },
            },
        ]
