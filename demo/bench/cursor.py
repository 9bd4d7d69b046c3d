"""The cursor scenario: the outreach list's page after row 1, 100k, 500k, 999k, 5M and 9,999k
(those the data set has), in several sorts. A cursor page reads an index range from the last row
on, so the deepest page should cost about what the first does (target: at most twice)."""

from typing import Any
from urllib.parse import urlencode

from django.test.utils import override_settings

from .measure import recording, timed
from .scenarios import Bench, _explain, report_progress

CURSOR_DEPTHS = (1, 100_000, 500_000, 999_000, 5_000_000, 9_999_000)
CURSOR_PER = 50
CURSOR_TARGET_RATIO = 2.0
CURSOR_SORTS = (
    ("newest first", {}),
    ("sort company asc", {"sort": "company", "direction": "asc"}),
    ("sort company desc", {"sort": "company", "direction": "desc"}),
    ("sort owner desc", {"sort": "owner", "direction": "desc"}),
    ("sort channel asc", {"sort": "channel", "direction": "asc"}),
    ("sort status desc", {"sort": "status", "direction": "desc"}),
)


def cursor_depths(outreaches: int) -> list[int]:
    """The depths that fit the data set, and its last page when a depth did not fit and that
    page is not next to the deepest that did (at 1M: 1, 100k, 500k, 999k)."""
    last_start = max(outreaches - CURSOR_PER, 1)
    depths = [depth for depth in CURSOR_DEPTHS if depth <= last_start]
    if len(depths) < len(CURSOR_DEPTHS) and last_start - depths[-1] > outreaches // 100:
        depths.append(last_start)
    return depths


def _get(bench: Bench, params: dict[str, Any]):
    response = bench.client.get(f"/api/outreaches?{urlencode(params)}")
    assert response.status_code == 200, (params, response.status_code, response.content[:500])
    return response


def _cursor_after(bench: Bench, params: dict[str, str], row: int) -> str | None:
    """The cursor of the rows after row `row`: the next_cursor of the numbered page (of one
    row) that ends there, read once, untimed."""
    return _get(bench, {**params, "per": 1, "page": row}).json()["pagination"]["next_cursor"]


def run_cursor(bench: Bench) -> None:
    depths = cursor_depths(bench.outreach_count)
    for sort_name, params in CURSOR_SORTS:
        group = []
        for depth in depths:
            cursor = _cursor_after(bench, params, depth)
            if cursor is None:
                continue
            query = {**params, "per": CURSOR_PER, "cursor": cursor}

            def run(query=query):
                return _get(bench, query)

            with recording() as recorder:
                body = run().json()
            with override_settings(DEBUG=False):
                timing = timed(run, repeat=bench.repeat)
            result = {
                "kind": "cursor",
                "name": f"{sort_name}, after row {depth:,}",
                "ours": timing.as_dict(),
                "queries": len(recorder.work),
                "items": len(body["items"]),
                "depth": depth,
                "params": params,
            }
            if bench.explain:
                result["plans"] = _explain(recorder.work)
            group.append(result)
        if not group:
            continue
        first = group[0]["ours"]["median_ms"]
        for result in group:
            result["ratio_first"] = round(result["ours"]["median_ms"] / first, 2)
            result["meets"] = {"depth": result["ratio_first"] <= CURSOR_TARGET_RATIO}
            bench.results.append(result)
            report_progress(result)
