"""The load scenarios (demo.bench.loadgen), which make bench's `load` group and scripts/load.py
share: what each scenario sends, the targets a summary is held to, the report, and the script
end to end against gunicorn on 127.0.0.1 (its figures are not asserted: they are the machine's)."""

import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from demo.bench import loadgen
from demo.bench.report import backend_markdown

ROOT = Path(__file__).resolve().parents[2]


def summary(scenario: str, *, rate: float, p99: float, errors: int = 0) -> dict:
    found = {"scenario": scenario, "req_per_s": rate, "p99_ms": p99, "errors": errors}
    return {**found, "meets": loadgen.meets(found)}


def test_a_summary_is_held_to_the_rate_the_p99_and_no_errors():
    assert summary("list", rate=300, p99=100)["meets"] == {
        "errors": True,
        "p99": True,
        "rate": True,
    }
    assert summary("list", rate=299.9, p99=100.1)["meets"] == {
        "errors": True,
        "p99": False,
        "rate": False,
    }
    assert summary("detail", rate=999, p99=5)["meets"]["rate"] is False
    assert summary("detail", rate=1000, p99=5, errors=1)["meets"] == {
        "errors": False,
        "p99": True,
        "rate": True,
    }
    # A batch has no rate to reach, only the latency and the errors.
    assert summary("batch", rate=1, p99=5)["meets"] == {"errors": True, "p99": True}


def test_the_scenarios_read_shallow_pages_random_details_and_dry_run_batches():
    ids = [f"out_{n}" for n in range(1, 501)]
    made = dict(loadgen.scenarios("tok", ids, ["seq_1", "seq_2"], batch_size=100))
    rng = random.Random(3)
    for _ in range(50):
        method, path, headers, body = made["list"](rng)
        query = parse_qs(urlsplit(path).query)
        assert (method, urlsplit(path).path, body) == ("GET", "/api/outreaches", None)
        assert 1 <= int(query["page"][0]) <= loadgen.LIST_PAGES and query["per"] == ["50"]
        assert query["sort"][0] in loadgen.LIST_SORTS and headers["Authorization"] == "Token tok"
        method, path, _, _ = made["detail"](rng)
        assert method == "GET" and path.removeprefix("/api/outreaches/") in ids
    kinds = set()
    for _ in range(40):
        method, path, headers, body = made["batch"](rng)
        sent = json.loads(body)
        assert method == "PATCH" and headers["Content-Type"] == "application/json"
        assert sent["dry_run"] is True  # the data stays as it was
        assert len(sent["outreach_ids"]) == len(set(sent["outreach_ids"])) == 100
        if path.endswith("batch_assign"):
            assert sent["sequence_id"] in ("seq_1", "seq_2")
        kinds.add(path.rsplit("/", 1)[1])
    assert kinds == {"batch_assign", "batch_start_enrichment"}


def test_the_report_shows_each_scenario_and_what_it_missed():
    result = {
        "kind": "load",
        "name": "gunicorn, 2 workers × 4 threads, 8 clients, 15 s each",
        "cache": "Redis",
        "clients": 8,
        "batch_size": 100,
        "list": {"pages": 200, "per": 50},
        "scenarios": [
            {**summary("list", rate=310.5, p99=61), "requests": 4658, "p50_ms": 24},
            {
                **summary("detail", rate=838, p99=19, errors=2),
                "requests": 12570,
                "p50_ms": 9,
                "first_errors": ["GET /api/outreaches/out_1: 500 b''"],
            },
        ],
    }
    for row in result["scenarios"]:
        row.setdefault("first_errors", [])
    table = backend_markdown({"rows": {}, "database": "test", "results": [result], "vendor": "x"})
    assert "| list | 4,658 | 0 | **310.5** | 24.0 | 61.0 | ✓ |" in table
    assert "| detail | 12,570 | 2 | **838** | 9.00 | 19.0 | ✗ errors, rate |" in table
    assert "detail error: GET /api/outreaches/out_1: 500" in table
    assert "as dry runs" in table and "limits counted in Redis" in table


def test_the_load_script_runs_every_scenario_against_gunicorn_and_changes_nothing(tmp_path):
    database = tmp_path / "load.sqlite3"
    output = tmp_path / "load.json"
    finished = subprocess.run(
        [
            sys.executable,
            "scripts/load.py",
            "--outreaches=300",
            "--duration=1",
            "--clients=2",
            "--batch-size=20",
            f"--database-url=sqlite:///{database}",
            f"--json={output}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(output.read_text())
    assert [row["scenario"] for row in report["results"]] == ["list", "detail", "batch"]
    for row in report["results"]:
        assert row["requests"] > 0 and row["errors"] == 0, row
        assert row["p50_ms"] > 0 and set(row["meets"]) >= {"errors", "p99"}
    assert report["outreaches"] == 300
    assert "| list |" in finished.stdout
    with sqlite3.connect(database) as db:
        # The batches were dry runs: no enrichment batch, no queued task, no audit entry.
        assert db.execute("SELECT count(*) FROM outreach_enrichmentbatch").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM django_tasks_database_dbtaskresult").fetchone() == (
            0,
        )
