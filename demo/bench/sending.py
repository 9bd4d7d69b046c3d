"""The sending scenario: what a scheduling pass costs when nothing is due, and how many messages
one worker sends a second with the limits out of the way.

1. **Scheduling pass.** `running` outreaches (100,000 by default) of many mailboxes, every next
   step due in the coming days; one `send_due()` finds nothing to send. Timed, its statements
   counted, the claim query EXPLAINed (it should read the partial index
   `outreach_mailbox_due_idx`).
2. **Throughput.** `messages` outreaches due now on one mailbox whose limits let everything
   through (10,000 a day, no interval, every day all day): `send_due()` builds, hands over and
   records each. Once on a `local` mailbox (stored only), once on an `smtp` mailbox talking to
   an aiosmtpd server the bench starts on 127.0.0.1 (its own process, a free port, accepting
   everything). Reported as messages a second, statements per message, and where the time goes
   (claim, which builds the messages; hand-over; record). When a rate misses its target,
   one more run under cProfile lists the functions that cost most.

The rows are written set-based (bulk INSERTs) inside one transaction per measurement, which is
rolled back at the end: nothing is kept, nothing leaves the machine.
"""

import cProfile
import datetime
import io
import pstats
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from contacts.models import Company, Person
from core.scoping import everywhere
from outreach.choices import Channel, PipelineState
from outreach.models import Outreach, Sequence, SequenceStep
from sending import engine
from sending.choices import WEEKDAYS, MailboxKind, MessageStatus, Security
from sending.models import Mailbox, Message
from workspaces.models import Workspace

from .measure import Timing, recording, timed
from .scenarios import Bench, _explain

PASS_OUTREACHES = 100_000
PASS_MAILBOXES = 100
LOCAL_MESSAGES = 2_000
SMTP_MESSAGES = 500
# The targets (2 cores, PostgreSQL 15).
PASS_TARGET_MS = 200.0
LOCAL_TARGET_PER_S = 1_000
SMTP_TARGET_PER_S = 200
BULK = 5_000
# Limits that never hold a message back: the most a day allows, no interval, always open.
NO_LIMITS = {
    "daily_limit": 10_000,
    "min_interval_seconds": 0,
    "window_days": list(WEEKDAYS),
    "window_start": datetime.time(0, 0),
    "window_end": datetime.time(23, 59, 59),
    "time_zone": "UTC",
}
PROFILE_LINES = 25
_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.I)


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """A transaction that is always rolled back, in every workspace's scope."""
    with everywhere():
        try:
            with transaction.atomic():
                yield
                raise _Rollback
        except _Rollback:
            pass


# --- the rows ------------------------------------------------------------------------------


def _workspace(label: str) -> tuple[Workspace, Any]:
    workspace = Workspace.objects.create(name=f"bench sending {label} {time.time_ns()}")
    owner = get_user_model().objects.create(
        username=f"bench_sender_{time.time_ns()}", first_name="Bench", last_name="Sender"
    )
    return workspace, owner


def _mailboxes(workspace, owner, count: int, **values) -> list[Mailbox]:
    return Mailbox.objects.bulk_create(
        Mailbox(
            workspace=workspace,
            owner=owner,
            name=f"Bench {index}",
            from_name="Bench Sender",
            from_email=f"sender{index}@bench.example.com",
            **{**NO_LIMITS, **values},
        )
        for index in range(count)
    )


def _sequence(workspace) -> Sequence:
    sequence = Sequence.objects.create(workspace=workspace, name="Bench", exclusive=False)
    SequenceStep.objects.bulk_create(
        [
            SequenceStep(
                sequence=sequence,
                position=1,
                channel=Channel.EMAIL,
                subject_template="Quick question, {{ first_name }}",
                body_template="Hi {{ first_name }},\n\nIs {{ company }} hiring this quarter?",
            ),
            SequenceStep(
                sequence=sequence,
                position=2,
                channel=Channel.EMAIL,
                delay_days=3,
                body_template="Hi {{ first_name }}, floating this back up.",
            ),
        ]
    )
    return sequence


def _running(
    workspace, owner, mailboxes: list[Mailbox], count: int, due: Callable[[int], datetime.datetime]
) -> None:
    """`count` outreaches started on a two-step sequence (the fields `start` writes: state,
    mailbox, next step), spread over `mailboxes`, each person with an address; step 1 due at
    `due(index)`. Bulk INSERTs of people and outreaches."""
    company = Company.objects.create(
        workspace=workspace, name="Bench Analytics", domain="bench.example.com", owner=owner
    )
    sequence = _sequence(workspace)
    for start in range(0, count, BULK):
        indexes = range(start, min(count, start + BULK))
        people = Person.objects.bulk_create(
            Person(
                workspace=workspace,
                company=company,
                first_name=f"Ada{index}",
                last_name="Bench",
                email=f"ada{index}@bench.example.com",
            )
            for index in indexes
        )
        Outreach.objects.bulk_create(
            Outreach(
                workspace=workspace,
                person=person,
                company=company,
                sequence=sequence,
                mailbox=mailboxes[index % len(mailboxes)],
                channel=Channel.EMAIL,
                current_state=PipelineState.STARTING,
                approved=True,
                next_step=1,
                next_step_at=due(index),
            )
            for index, person in zip(indexes, people, strict=True)
        )


def _analyze() -> None:
    """Fresh statistics for the planner (the rows are this transaction's own)."""
    tables = [model._meta.db_table for model in (Outreach, Mailbox, Message, Person)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


# --- 1. the scheduling pass ----------------------------------------------------------------


def measure_pass(*, outreaches: int, mailboxes: int, repeat: int, explain: bool) -> dict:
    figures: dict[str, Any] = {}
    with rolled_back():
        workspace, owner = _workspace("pass")
        boxes = _mailboxes(workspace, owner, mailboxes)
        now = timezone.now()
        minutes = 30 * 24 * 60
        _running(
            workspace,
            owner,
            boxes,
            outreaches,
            due=lambda index: now + datetime.timedelta(hours=1, minutes=(index * 7919) % minutes),
        )
        _analyze()
        assert engine.claim_next() is None, "nothing may be due"
        with recording() as recorder:
            engine.send_due()
        statements = recorder.work
        timing = timed(engine.send_due, repeat=repeat, warmup=2)
        claim = timed(engine.claim_next, repeat=repeat, warmup=1)
        claim_sql = [s for s in statements if "sending_mailbox" in s.sql.split("WHERE")[0]]
        plans = _explain(claim_sql) if explain else []
        figures = {
            "outreaches": outreaches,
            "mailboxes": mailboxes,
            "send_due": timing.as_dict(),
            "claim_next": claim.as_dict(),
            "queries": len(statements),
            "statements": [s.sql for s in statements],
            "explain": plans,
            "uses_due_index": any("outreach_mailbox_due_idx" in p["plan"] for p in plans),
            "meets": {"time": timing.median <= PASS_TARGET_MS},
        }
    return figures


# --- 2. throughput -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server():
    """An aiosmtpd server in a process of its own on 127.0.0.1 (a free port) that accepts
    every message and keeps none: (host, port)."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"220"):
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("The bench's SMTP server did not start.") from None
                time.sleep(0.05)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=10)


class _Phases:
    """Seconds spent in each step of a send: the engine's functions, wrapped while measuring
    (the outermost of each step's names that the engine has, so nothing counts twice)."""

    STEPS = {
        "claim": ("claim_batch", "claim_next"),
        "build": ("build_message",),
        "hand_over": ("hand_over_all", "hand_over"),
        "record": ("record_all", "record"),
    }

    def __init__(self):
        self.seconds: dict[str, float] = {step: 0.0 for step in self.STEPS}
        self.saved: dict[str, Callable] = {}

    def __enter__(self):
        for step, names in self.STEPS.items():
            name = next((name for name in names if hasattr(engine, name)), None)
            if name is not None:
                original = getattr(engine, name)
                self.saved[name] = original
                setattr(engine, name, self._timed(step, original))
        return self

    def __exit__(self, *exc):
        for name, original in self.saved.items():
            setattr(engine, name, original)

    def _timed(self, step: str, original: Callable) -> Callable:
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[step] += time.perf_counter() - started

        return run


def _one_run(kind: str, messages: int, server: tuple[str, int] | None, *, profile: bool) -> dict:
    """Set up `messages` due outreaches on one fresh mailbox and send them all; rolled back."""
    figures: dict[str, Any] = {}
    with rolled_back():
        workspace, owner = _workspace(kind)
        values = {"kind": kind}
        if server is not None:
            values.update(smtp_host=server[0], smtp_port=server[1], smtp_security=Security.NONE)
        [mailbox] = _mailboxes(workspace, owner, 1, **values)
        due = timezone.now() - datetime.timedelta(minutes=1)
        _running(workspace, owner, [mailbox], messages, due=lambda index: due)
        _analyze()
        profiler = cProfile.Profile() if profile else None
        with recording() as recorder, _Phases() as phases:
            if profiler is not None:
                profiler.enable()
            started = time.perf_counter()
            sent = engine.send_due()
            seconds = time.perf_counter() - started
            if profiler is not None:
                profiler.disable()
        stored = Message.objects.filter(mailbox=mailbox, status=MessageStatus.SENT).count()
        assert sent == stored == messages, f"{kind}: sent {sent}, stored {stored} of {messages}"
        figures = {
            "seconds": seconds,
            "sent": sent,
            "queries": len(recorder.work),
            "queries_by_kind": _by_kind(recorder.work),
            "phases": dict(phases.seconds),
        }
        if profiler is not None:
            figures["profile"] = _profile_text(profiler)
    return figures


def _by_kind(statements) -> dict[str, int]:
    """Statements counted by verb and first table ("SELECT sending_mailbox"), most first."""
    kinds: Counter[str] = Counter()
    for statement in statements:
        match = _TABLE.search(statement.sql)
        verb = statement.sql.lstrip().split(None, 1)[0].upper()
        kinds[f"{verb} {match.group(1) if match else '?'}"] += 1
    return dict(kinds.most_common())


def _profile_text(profiler: cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    return out.getvalue()


def measure_throughput(
    kind: str, *, messages: int, repeat: int, server: tuple[str, int] | None = None
) -> dict:
    target = LOCAL_TARGET_PER_S if kind == MailboxKind.LOCAL else SMTP_TARGET_PER_S
    runs = [_one_run(kind, messages, server, profile=False) for _ in range(repeat)]
    timing = Timing([run["seconds"] * 1000 for run in runs])
    rate = messages / (timing.median / 1000)
    middle = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    result = {
        "kind": kind,
        "messages": messages,
        "ours": timing.as_dict(),
        "per_second": round(rate),
        "queries_per_message": round(middle["queries"] / messages, 1),
        "queries_per_message_by_kind": {
            kind: round(count / messages, 2) for kind, count in middle["queries_by_kind"].items()
        },
        "ms_per_message": {
            name: round(seconds * 1000 / messages, 3) for name, seconds in middle["phases"].items()
        },
        "meets": {"rate": rate >= target},
    }
    if rate < target:
        result["profile"] = _one_run(kind, messages, server, profile=True)["profile"]
    return result


def measure_sending(
    *,
    pass_outreaches: int = PASS_OUTREACHES,
    pass_mailboxes: int = PASS_MAILBOXES,
    local_messages: int = LOCAL_MESSAGES,
    smtp_messages: int = SMTP_MESSAGES,
    repeat: int = 3,
    explain: bool = True,
) -> dict[str, Any]:
    with override_settings(DEBUG=False):
        scheduling = measure_pass(
            outreaches=pass_outreaches, mailboxes=pass_mailboxes, repeat=repeat, explain=explain
        )
        local = measure_throughput(MailboxKind.LOCAL, messages=local_messages, repeat=repeat)
        with smtp_server() as server:
            smtp = measure_throughput(
                MailboxKind.SMTP, messages=smtp_messages, repeat=repeat, server=server
            )
    return {"pass": scheduling, "throughput": [local, smtp]}


def run_sending(bench: Bench, **sizes) -> None:
    """make bench's sending group: one result holding every measurement."""
    figures = measure_sending(repeat=min(bench.repeat, 3), explain=bench.explain, **sizes)
    bench.results.append({"kind": "sending", "name": "sending", **figures})
    scheduling = figures["pass"]
    sys.stderr.write(
        f"  sending    send_due() with nothing due, {scheduling['outreaches']:,} running"
        f"{scheduling['send_due']['median_ms']:>24.2f} ms, {scheduling['queries']} queries\n"
    )
    for row in figures["throughput"]:
        sys.stderr.write(
            f"  sending    {row['kind']}: {row['per_second']:,} messages/s "
            f"({row['queries_per_message']} queries a message)\n"
        )
