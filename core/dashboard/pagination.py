"""Pages of a dashboard list, with the API's page/per semantics.

The "Next" link also carries the next page's cursor (see core.api.cursors), so walking forward
costs the same at any depth; `page` rides along for the page's number and summary, and is what
is shown when the cursor does not fit (an old link, another sort or filter).
"""

import math
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.exceptions import ValidationError

from core.api.cursors import (
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
from core.api.pagination import DEFAULT_PER, MAX_PER, count_matching, page_and_count

# The page sizes the lists' select offers.
PER_CHOICES = (10, 25, 50, 100, 200)


@dataclass
class Page:
    items: list
    number: int
    per: int
    total_count: int
    # True when total_count is the database's estimate (many matching rows, PostgreSQL).
    count_is_estimate: bool = False
    # The cursor of the rows after this page (None: none follow, or the order has no cursor).
    next_cursor: str | None = None

    @property
    def total_label(self) -> str:
        """The count as the page shows it: `1,234`, or `about 1,000,000` when estimated."""
        return f"about {self.total_count:,}" if self.count_is_estimate else f"{self.total_count:,}"

    @property
    def summary(self) -> str:
        """`1,001–1,050 of 2,340` (or `of about …`)."""
        return f"{self.start_index:,}–{self.end_index:,} of {self.total_label}"

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total_count / self.per)

    @property
    def per_options(self) -> list[int]:
        """The page sizes the select offers: the usual ones and this page's own (a link may
        ask for any size from 1 to 200)."""
        return sorted({*PER_CHOICES, self.per})

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages

    @property
    def previous_number(self) -> int:
        return min(self.number - 1, max(self.total_pages, 1))

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1 if self.items else 0

    def nearby(self, width: int = 2) -> list[int | None]:
        """Page numbers to link: first, last and a window around the current; None is a gap.

        An estimated count has no known last page: the links end with a gap instead.
        """
        last = self.total_pages
        ends = {1} if self.count_is_estimate else {1, last}
        shown = sorted(
            {*ends, *range(self.number - width, self.number + width + 1)} & set(range(1, last + 1))
        )
        out: list[int | None] = []
        for n in shown:
            if out and out[-1] is not None and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        if self.count_is_estimate and shown and shown[-1] < last:
            out.append(None)
        return out


def _positive_int(raw: str | None, default: int, maximum: int | None = None) -> int | None:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    if value < 1 or (maximum is not None and value > maximum):
        return None
    return value


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    default_per: int = DEFAULT_PER,
    *,
    search: bool = False,
) -> Page:
    """One page of `queryset` by `page` (1-based) and `per` (1–200), as the API reads them.

    A bad value is reported with a message and replaced by the default rather than failing.
    `search`: the queryset is a text search, counted with its page as the API counts it.
    """
    number = _positive_int(request.GET.get("page"), 1)
    if number is None:
        messages.warning(request, "page must be a whole number of 1 or more; showing page 1.")
        number = 1
    per = _positive_int(request.GET.get("per"), default_per, MAX_PER)
    if per is None:
        messages.warning(
            request, f"per must be a whole number from 1 to {MAX_PER}; showing {default_per}."
        )
        per = default_per
    offset = (number - 1) * per
    try:
        keys = sort_keys(queryset)
    except CursorUnavailable:
        keys = None
    after = None
    if keys is not None:
        queryset = ordered(queryset, keys)
        bound_to = fingerprint(request, keys)
        raw_cursor = request.GET.get(CURSOR_PARAM)
        if raw_cursor is not None:
            try:
                after = read_cursor(raw_cursor, bound_to, keys)
            except ValidationError:
                after = None  # not this list's: the page is read by its number instead
    last = None
    if after is not None:
        items, last = page_after(queryset, keys, after, per)
        # Counted as a numbered page is: the same cost at any depth.
        seen = offset + len(items) + (1 if last is not None else 0)
        if last is None:
            total, estimated_by = seen, None
        else:
            total, estimated_by = count_matching(queryset, at_least=seen)
    else:
        hydrate = with_keys(None, keys) if keys is not None else None
        items, total, estimated_by = page_and_count(queryset, offset, per, hydrate, search=search)
        if keys is not None and items and offset + len(items) < total:
            last = key_values(items[-1], keys)
        strip_keys(items)
    return Page(
        items=items,
        number=number,
        per=per,
        total_count=total,
        count_is_estimate=estimated_by is not None,
        next_cursor=make_cursor(bound_to, last) if last is not None else None,
    )
