"""The Markdown tables of a bench run, and where the run happened."""

import os
import platform
import sys
from importlib import metadata
from typing import Any

PACKAGES = ("Django", "djangorestframework", "django-filter", "django-fsm-2", "psycopg", "orjson")
BACKEND_TITLES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "-"
    return found


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as meminfo:
            total_kb = int(meminfo.readline().split()[1])
            info["memory_gb"] = round(total_kb / 1024 / 1024, 1)
    except OSError:
        pass
    return info


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _per_object(timing: dict[str, Any]) -> str:
    if "extrapolated_from" in timing:
        return f"≈ {_ms(timing['median_ms'])} (scaled from {timing['extrapolated_from']:,})"
    return _ms(timing["median_ms"])


def _misses(result: dict[str, Any]) -> str:
    missed = [name for name, ok in result.get("meets", {}).items() if not ok]
    return "✓" if not missed else "✗ " + ", ".join(missed)


def backend_markdown(figures: dict[str, Any]) -> str:
    title = BACKEND_TITLES.get(figures["vendor"], figures["vendor"])
    rows = figures["rows"]
    outreaches = rows.get("outreach.Outreach", 0)
    lines = [
        f"### {title}: {outreaches:,} outreaches",
        "",
        f"{figures['database'].split(' on ')[0]}; "
        + ", ".join(f"{label.split('.')[1]} {count:,}" for label, count in rows.items())
        + ".",
        "",
    ]
    results = figures["results"]
    reads = [r for r in results if r["kind"] in ("list", "detail", "dashboard")]
    if reads:
        lines += [
            "| scenario | p50 ms | p95 ms | queries (with auth) | raw SQL p50 | ours ÷ raw | "
            "naive p50 | naive ÷ ours | total_count | targets |",
            "|---|--:|--:|--:|--:|--:|--:|--:|---|---|",
        ]
        for r in reads:
            naive = r.get("naive")
            count = ""
            if "total_count" in r:
                count = f"{r['total_count']:,}"
                if r.get("count_method", "exact") != "exact":
                    count += f" ({r['count_method']})"
            lines.append(
                f"| {r['kind']}: {r['name']} | {_ms(r['ours']['median_ms'])} | "
                f"{_ms(r['ours']['p95_ms'])} | {r['queries']} | {_ms(r['raw']['median_ms'])} | "
                f"{r['ratio_raw']:.2f} | {_ms(naive['median_ms']) if naive else '–'} | "
                f"{(str(r['speedup_naive']) + '×') if naive else '–'} | {count} | "
                f"{_misses(r)}{' (Memoize)' if r.get('memoize') else ''} |"
            )
        lines.append("")
    cursors = [r for r in results if r["kind"] == "cursor"]
    if cursors:
        lines += [
            "| cursor page (per=50) | p50 ms | p95 ms | queries (with auth) | ÷ first | targets |",
            "|---|--:|--:|--:|--:|---|",
        ]
        for r in cursors:
            lines.append(
                f"| {r['name']} | {_ms(r['ours']['median_ms'])} | {_ms(r['ours']['p95_ms'])} | "
                f"{r['queries']} | {r['ratio_first']:.2f} | {_misses(r)} |"
            )
        lines.append("")
    batches = [r for r in results if r["kind"] == "batch"]
    if batches:
        lines += [
            "| batch | moved | p50 ms | p95 ms | queries (+ auth, throttle) | per-object p50 "
            "| speedup | targets |",
            "|---|--:|--:|--:|--:|--:|--:|---|",
        ]
        for r in batches:
            lines.append(
                f"| {r['name']} | {r['moved']:,} | {_ms(r['ours']['median_ms'])} | "
                f"{_ms(r['ours']['p95_ms'])} | {r['queries'] - r.get('request_queries', 0)} "
                f"(+ {r.get('request_queries', 0)}) | "
                f"{_per_object(r['per_object'])} | {r['speedup_per_object']}× | "
                f"{_misses(r)} |"
            )
        lines.append("")
    for r in results:
        if r["kind"] == "enrichment":
            lines.append(
                f"Enrichment: {r['name']}: {_ms(r['ours']['median_ms'])} ms, "
                f"**{r['per_second']:,} outreaches/s** ({_misses(r)}); the first run, "
                f"meeting every name for the first time: {r['first_run_per_second']:,}/s.\n"
            )
        if r["kind"] == "webhooks":
            none = r["batch"][0]["median_ms"]
            costs = ", ".join(
                f"{row['endpoints']} endpoint(s) {_ms(row['median_ms'])} ms "
                f"(÷ none {row['median_ms'] / none:.2f}, {row['statements']} statements)"
                for row in r["batch"]
            )
            sent = r["delivery"]
            lines.append(
                f"Webhooks: a batch transition of {r['batch_size']:,}: {costs}. One worker "
                f"delivered {sent['sent']:,} of {sent['of']:,} to a local receiver: "
                f"**{sent['per_second']:,} a second**.\n"
            )
        if r["kind"] == "sending":
            lines += _sending_lines(r)
        if r["kind"] == "replies":
            lines += _replies_lines(r)
        if r["kind"] == "load":
            lines += _load_lines(r)
    return "\n".join(lines)


def _sending_lines(r: dict[str, Any]) -> list[str]:
    scheduling = r["pass"]
    index = "the due index" if scheduling["uses_due_index"] else "no due index"
    if not scheduling["explain"]:
        index = "not explained"
    lines = [
        "| sending | p50 ms | p95 ms | queries | per second | ms a message: claim (building) "
        "/ hand-over / record | targets |",
        "|---|--:|--:|--:|--:|---|---|",
        f"| `send_due()` with nothing due: {scheduling['outreaches']:,} running outreaches, "
        f"{scheduling['mailboxes']} mailboxes ({index}) | "
        f"{_ms(scheduling['send_due']['median_ms'])} | {_ms(scheduling['send_due']['p95_ms'])} | "
        f"{scheduling['queries']} | – | – | {_misses(scheduling)} |",
    ]
    for row in r["throughput"]:
        phases = row["ms_per_message"]
        lines.append(
            f"| {row['messages']:,} messages due on one `{row['kind']}` mailbox, limits off | "
            f"{_ms(row['ours']['median_ms'])} | {_ms(row['ours']['p95_ms'])} | "
            f"{row['queries_per_message']} a message | **{row['per_second']:,}** | "
            f"{phases.get('claim', 0):.2f} ({phases.get('build', 0):.2f}) / "
            f"{phases.get('hand_over', 0):.2f} / {phases.get('record', 0):.2f} | "
            f"{_misses(row)} |"
        )
    lines.append("")
    for row in r["throughput"]:
        kinds = row.get("queries_per_message_by_kind", {})
        if kinds:
            lines.append(
                f"Statements a message (`{row['kind']}`): "
                + ", ".join(f"{kind} {count:g}" for kind, count in kinds.items())
                + (" (a cProfile of a further run is in the JSON)." if "profile" in row else ".")
            )
    lines.append("")
    return lines


def _replies_lines(r: dict[str, Any]) -> list[str]:
    found = r["classification"]
    rules, whole, kept = found["rules"], found["bytes_to_verdict"], r["receive"]
    phases = whole["ms_per_message"]
    lines = [
        "| replies | messages | p50 ms | p95 ms | per second | a message | targets |",
        "|---|--:|--:|--:|--:|---|---|",
        f"| `classify()` alone: the rules over parsed messages (the corpus of "
        f"{found['corpus']}, repeated) | {found['messages']:,} | {_ms(rules['ours']['median_ms'])}"
        f" | {_ms(rules['ours']['p95_ms'])} | **{rules['per_second']:,}** | – | {_misses(rules)} |",
        f"| bytes to verdict, no database: `parse`, `bounce_of`, `classify` | "
        f"{found['messages']:,} | {_ms(whole['ours']['median_ms'])} | "
        f"{_ms(whole['ours']['p95_ms'])} | **{whole['per_second']:,}** | ms: parse "
        f"{phases['parse']:.2f} / bounce_of {phases['bounce_of']:.2f} / classify "
        f"{phases['classify']:.2f} | {_misses(whole)} |",
        f"| `receive()`: parse, match, classify, keep, act (database writes; no target) | "
        f"{kept['messages']:,} | {_ms(kept['ours']['median_ms'])} | "
        f"{_ms(kept['ours']['p95_ms'])} | **{kept['per_second']:,}** | "
        f"{kept['queries_per_message']} queries | – |",
        "",
    ]
    if "ms_per_message_in" in whole:
        lines += [
            "Where a message's time goes, bytes to verdict under cProfile (ms a message, "
            "cumulative, so they overlap): "
            + ", ".join(f"{name} {ms:.2f}" for name, ms in whole["ms_per_message_in"].items())
            + " (the profile is in the JSON).",
            "",
        ]
    lines += [
        "Statements a message (`receive()`): "
        + ", ".join(
            f"{kind} {count:g}" for kind, count in kept["queries_per_message_by_kind"].items()
        )
        + ".",
        "",
    ]
    poll = r["poll"]
    if "skipped" in poll:
        return [*lines, f"IMAP poll skipped: {poll['skipped']}", ""]
    catch_up, second = poll["catch_up"], poll["second"]
    lines += [
        "| IMAP poll, a Dovecot on 127.0.0.1 | read | fetched | ms | per second | targets |",
        "|---|--:|--:|--:|--:|---|",
        f"| set-up: {poll['messages']:,} messages appended (MULTIAPPEND) | – | – | "
        f"{_ms(poll['append']['seconds'] * 1000)} | {poll['append']['per_second']:,} | – |",
        f"| the first poll (at most {poll['max_per_poll']:,} a poll) | {poll['first']['read']:,} | "
        f"{poll['first']['fetched']:,} | {_ms(poll['first']['ms'])} | "
        f"{round(poll['first']['read'] / poll['first']['ms'] * 1000):,} | – |",
        f"| every message read: {catch_up['polls']} polls, "
        f"{catch_up['queries_per_message']} queries a message | {catch_up['read']:,} | "
        f"{catch_up['fetched']:,} | {_ms(catch_up['seconds'] * 1000)} | "
        f"**{catch_up['per_second']:,}** | – |",
        f"| a poll with nothing new | {poll['idle']['read']} | {poll['idle']['fetched']} | "
        f"{_ms(poll['idle']['ms'])} | – | – |",
        f"| the next poll, {second['appended']} new | {second['read']} | {second['fetched']} | "
        f"{_ms(second['ms'])} | – | {_misses(poll)} |",
        "",
    ]
    return lines


def _load_lines(r: dict[str, Any]) -> list[str]:
    lines = [
        f"| load: {r['name']}, limits counted in {r['cache']} | requests | errors | req/s "
        "| p50 ms | p99 ms | targets |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for row in r["scenarios"]:
        missed = [name for name, ok in row["meets"].items() if not ok]
        lines.append(
            f"| {row['scenario']} | {row['requests']:,} | {row['errors']} | "
            f"**{row['req_per_s']:,}** | {_ms(row['p50_ms'])} | {_ms(row['p99_ms'])} | "
            f"{'✗ ' + ', '.join(missed) if missed else '✓'} |"
        )
    lines.append("")
    for row in r["scenarios"]:
        lines += [f"{row['scenario']} error: {error}" for error in row["first_errors"]]
    lines.append(
        f"List requests: a random page of 1–{r['list']['pages']} ({r['list']['per']} rows), sort, "
        f"direction and filter; details of random outreaches; batches of {r['batch_size']} random "
        "ids, half `batch_assign`, half `batch_start_enrichment`, as dry runs (every check, lock "
        "and write, rolled back).\n"
    )
    return lines


def markdown(run: dict[str, Any]) -> str:
    info = run["machine"]
    header = [
        f"## Bench {run['started_at']}",
        "",
        f"{info.get('cpu', '?')}, {info.get('cpus')} CPUs, {info.get('memory_gb', '?')} GB; "
        + ", ".join(f"{k} {v}" for k, v in run["versions"].items())
        + f". Repeats: {run['options']['repeat']} (naive: up to {run['options']['naive_repeat']}).",
        "Targets are set for PostgreSQL on two cores at 1M outreaches (the list's p50 at 10M: "
        "15 ms); ✗ names the missed ones.",
        "",
    ]
    return "\n".join(header + [backend_markdown(f) for f in run["backends"].values()])
