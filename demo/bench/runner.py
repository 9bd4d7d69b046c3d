"""Starts one child per database, gathers the figures, prints and writes the report."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from . import report
from .databases import create_postgres_database

RESULTS_DIR = Path(settings.BASE_DIR) / "bench-results"
PG_DATABASE = "bench_outreach"
# A DATABASE_URL naming a database of this prefix is the bench database itself, so people
# benching on one server at once each keep their own.
PG_OWN_PREFIX = "bench_"
GROUPS = (
    "list",
    "detail",
    "dashboard",
    "batch",
    "enrichment",
    "cursor",
    "webhooks",
    "sending",
    "replies",
    "load",
)
# The child's environment: its own database, no throttling of its thousands of requests.
CHILD_ENV = {
    "API_THROTTLE_RATE": "100000000/min",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "LOG_LEVEL": "WARNING",
}


def postgres_configured() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def postgres_bench_name(url: str) -> str:
    """`bench_outreach`, or the URL's own database when its name starts with `bench_`."""
    name = urlsplit(url).path.lstrip("/")
    return name if name.startswith(PG_OWN_PREFIX) else PG_DATABASE


def backend_urls(backends: list[str], outreaches: int) -> dict[str, str]:
    urls = {}
    if "sqlite" in backends:
        urls["sqlite"] = f"sqlite:///{RESULTS_DIR / f'bench_outreach_{outreaches}.sqlite3'}"
    if "postgresql" in backends:
        if postgres_configured():
            url = os.environ["DATABASE_URL"]
            urls["postgresql"] = create_postgres_database(url, postgres_bench_name(url))
        else:
            sys.stderr.write("DATABASE_URL is not PostgreSQL: PostgreSQL skipped.\n")
    return urls


def run(
    *,
    outreaches: int,
    repeat: int,
    naive_repeat: int,
    per_object_up_to: int,
    seed: int,
    backends: list[str],
    groups: list[str],
    only: str,
    load_seconds: float,
    fresh: bool,
    explain: bool,
    stdout,
) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    started = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    options = {
        "outreaches": outreaches,
        "repeat": repeat,
        "naive_repeat": naive_repeat,
        "per_object_up_to": per_object_up_to,
        "seed": seed,
        "groups": groups,
        "only": only,
        "load_seconds": load_seconds,
    }
    figures = {}
    for vendor, url in backend_urls(backends, outreaches).items():
        output = RESULTS_DIR / f"bench-{stamp}-{vendor}.part.json"
        command = [
            sys.executable,
            "manage.py",
            "bench",
            "--child",
            str(output),
            f"--outreaches={outreaches}",
            f"--repeat={repeat}",
            f"--naive-repeat={naive_repeat}",
            f"--per-object-up-to={per_object_up_to}",
            f"--seed={seed}",
            f"--groups={','.join(groups)}",
            f"--only={only}",
            f"--load-seconds={load_seconds:g}",
        ]
        if fresh:
            command.append("--fresh")
        if not explain:
            command.append("--no-explain")
        env = {**os.environ, **CHILD_ENV, "DATABASE_URL": url}
        subprocess.run(command, cwd=settings.BASE_DIR, env=env, check=True)
        figures[vendor] = json.loads(output.read_text())
        output.unlink()
    result = {
        "started_at": started.isoformat(),
        "options": options,
        "versions": report.versions(),
        "machine": report.machine(),
        "backends": figures,
    }
    text = report.markdown(result)
    stdout.write(text + "\n")
    json_path = RESULTS_DIR / f"bench-{stamp}.json"
    json_path.write_text(json.dumps(result, indent=1, default=str))
    (RESULTS_DIR / f"bench-{stamp}.md").write_text(text + "\n")
    stdout.write(f"Wrote {json_path} and {json_path.with_suffix('.md')}\n")
    return json_path
