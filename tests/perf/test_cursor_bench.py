"""The bench's cursor scenario runs on a small data set and reports each depth against the first."""

import pytest

from demo.bench import cursor, scenarios
from demo.bench.report import backend_markdown
from demo.seed import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_cursor_scenario_measures_every_depth_against_the_first(monkeypatch):
    seed_demo(outreaches=300)
    monkeypatch.setattr(cursor, "CURSOR_DEPTHS", (1, 100, 200, 299))
    bench = scenarios.prepare(repeat=2, naive_repeat=1, per_object_up_to=1, explain=False)
    cursor.run_cursor(bench)
    results = bench.results
    assert {r["kind"] for r in results} == {"cursor"}
    assert len(results) == len(cursor.CURSOR_SORTS) * 4
    assert all(r["items"] == cursor.CURSOR_PER or r["depth"] > 200 for r in results)
    assert {r["depth"] for r in results} == {
        1,
        100,
        200,
        250,
    }  # the last page clipped to a full one
    firsts = [r for r in results if r["depth"] == 1]
    assert all(r["ratio_first"] == 1.0 for r in firsts)
    table = backend_markdown({"rows": {}, "database": "test", "results": results, "vendor": "test"})
    assert "| newest first, after row 100 |" in table


def test_the_depths_are_those_the_data_set_has():
    assert cursor.cursor_depths(10_000_000) == list(cursor.CURSOR_DEPTHS)
    assert cursor.cursor_depths(1_000_000) == [1, 100_000, 500_000, 999_000]
    assert cursor.cursor_depths(20_000) == [1, 19_950]
