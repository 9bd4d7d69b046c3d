"""Real workers on PostgreSQL: `manage.py work --once` processes over the same due steps, and a
worker killed while its SMTP server holds the message.

The workers are subprocesses on the test database (a `transaction=True` test commits its rows,
DATABASE_URL names the test database); the SMTP server is aiosmtpd in a thread of the test
process. Three workers are released together by a gate (a file the test writes once all three
have connected), each then running the `work --once` command itself (`call_command`) until
nothing is queued, so that they claim side by side from the first step to the last instead of
the quickest to start up sending alone.
"""

import asyncio
import email
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from outreach.models import Outreach
from sending import running
from sending.choices import MessageStatus
from sending.models import Message
from tests.factories import (
    CompanyFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
)
from tests.sending.conftest import Received, SmtpServer, _Handler, free_port

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: workers claim with SELECT … FOR UPDATE SKIP LOCKED, which "
        "SQLite has not (DATABASE_URL=postgres://…)",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
# Seconds a worker may take before the test calls it hung (a lock never let go).
WORKER_TIMEOUT = 60

# Connect, wait at the gate, then run the command as `manage.py work --once` does, again and
# again as cron would (one run gives up as soon as the only mailbox with due steps is locked
# by another worker), until no step is queued any more.
GATED_WORK = """
import os, time
from django.core.management import call_command
from django.db import connection
from outreach.models import Outreach
connection.ensure_connection()
gate = os.environ["WORK_GATE"]
while not os.path.exists(gate):
    time.sleep(0.005)
deadline = time.monotonic() + float(os.environ["WORK_SECONDS"])
while True:
    call_command("work", "--once")
    queued = Outreach._base_manager.filter(next_step_at__isnull=False).exists()
    if not queued or time.monotonic() > deadline:
        break
    time.sleep(0.1)
"""


def database_url() -> str:
    settings = connection.settings_dict
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{settings['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "WARNING", **extra}


def run_gated_workers(tmp_path: Path, count: int = WORKERS) -> list[subprocess.CompletedProcess]:
    """`count` workers, released at the same moment; each one's exit code and output."""
    gate = tmp_path / f"gate-{time.monotonic_ns()}"
    env = worker_env(WORK_GATE=str(gate), WORK_SECONDS=str(WORKER_TIMEOUT - 20))
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", GATED_WORK],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        wait_for(lambda: connections_to_test_database() >= count, 30, "the workers to connect")
        gate.touch()
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=WORKER_TIMEOUT)
            results.append(subprocess.CompletedProcess(worker.args, worker.returncode, out, err))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "deadlock" not in result.stderr.lower(), result.stderr
    return results


def connections_to_test_database() -> int:
    """Sessions on the test database other than the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def deadlocks_detected() -> int:
    """Deadlocks PostgreSQL broke up on the test database so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def due_work(result: subprocess.CompletedProcess) -> int:
    """The items of due work a worker's runs reported ("Ran 0 queued task(s) and 12 item(s)")."""
    return sum(
        int(line.rsplit(" and ", 1)[1].split()[0])
        for line in result.stdout.splitlines()
        if line.startswith("Ran ")
    )


def smtp_mailbox(server: SmtpServer, **values):
    return MailboxFactory(
        kind="smtp",
        smtp_host=server.host,
        smtp_port=server.port,
        smtp_security="none",
        **{"daily_limit": 10_000, "min_interval_seconds": 0, **values},
    )


def two_due_steps():
    """Two email steps, both due at once (the second answers in the first's thread)."""
    sequence = SequenceFactory()
    SequenceStepFactory(
        sequence=sequence, position=1, delay_days=0, subject_template="Hello {{ first_name }}"
    )
    SequenceStepFactory(sequence=sequence, position=2, delay_days=0, subject_template="")
    return sequence


def started(mailbox, sequence, count: int, prefix: str) -> list[int]:
    company = CompanyFactory(owner=mailbox.owner)
    ids = [
        OutreachFactory(
            person=PersonFactory(company=company, email=f"{prefix}{n}@example.org"),
            sequence=sequence,
            approved=True,
            state="ready",
        ).pk
        for n in range(count)
    ]
    started_ids, skipped = running.outreaches_batch_start(ids=ids, actor=None, mailbox=mailbox)
    assert skipped == []
    assert sorted(started_ids) == sorted(ids)
    return ids


def received_ids(server: SmtpServer) -> Counter:
    """How often the server received each Message-ID."""
    return Counter(
        email.message_from_bytes(r.data, policy=policy.default)["Message-ID"]
        for r in server.received
    )


def test_three_workers_send_every_due_step_exactly_once_and_keep_the_minimum_interval(
    smtp_server, tmp_path
):
    server = smtp_server()
    sequence = two_due_steps()
    free = smtp_mailbox(server, name="Free")
    spaced = smtp_mailbox(server, name="Spaced", min_interval_seconds=1)
    free_ids = started(free, sequence, 60, "free")
    spaced_ids = started(spaced, sequence, 3, "spaced")

    deadlocks = deadlocks_detected()
    results = run_gated_workers(tmp_path)
    # All three sent some: they did overlap on the same mailboxes.
    assert all(due_work(result) > 0 for result in results), [r.stdout for r in results]

    messages = list(Message.objects.all())
    assert len(messages) == 2 * (60 + 3)
    assert {m.status for m in messages} == {MessageStatus.SENT}
    assert Counter((m.outreach_id, m.step) for m in messages) == Counter(
        {(pk, step): 1 for pk in free_ids + spaced_ids for step in (1, 2)}
    )
    # The server received each message exactly once: no step was handed over twice.
    assert received_ids(server) == Counter({m.message_id: 1 for m in messages})
    by_outreach = {m.outreach_id: m for m in messages}
    assert Counter(r.rcpt_tos[0] for r in server.received) == Counter(
        {by_outreach[pk].to: 2 for pk in free_ids + spaced_ids}
    )
    assert set(Outreach.objects.values_list("current_state", flat=True)) == {"finished"}
    assert deadlocks_detected() == deadlocks

    spaced_at = sorted(m.sent_at for m in messages if m.mailbox_id == spaced.pk)
    gaps = [later - earlier for earlier, later in itertools.pairwise(spaced_at)]
    assert min(gap.total_seconds() for gap in gaps) >= 1, gaps


# --- a worker killed mid-send ---------------------------------------------------------------


class _HoldingHandler(_Handler):
    """Takes the message's data, then keeps the client waiting for the answer while `hold`."""

    def __init__(self, server: SmtpServer, hold: threading.Event):
        super().__init__(server)
        self.hold = hold

    async def handle_DATA(self, server, session, envelope):
        if not self.hold.is_set():
            return await super().handle_DATA(server, session, envelope)
        self.server.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        while self.hold.is_set():
            await asyncio.sleep(0.05)
        return "250 2.0.0 Ok: queued late"


@pytest.fixture
def holding_smtp_server():
    """An SMTP server that, while its `hold` event is set, takes each message and never
    answers: the sender is left waiting mid-send."""
    hold = threading.Event()
    server = SmtpServer("127.0.0.1", free_port())
    controller = Controller(_HoldingHandler(server, hold), hostname=server.host, port=server.port)
    controller.start()
    hold.set()
    yield server, hold
    hold.clear()
    controller.stop()


def test_a_worker_killed_mid_send_leaves_its_message_uncertain_never_sent_again(
    holding_smtp_server, api
):
    server, hold = holding_smtp_server
    mailbox = smtp_mailbox(server)
    (outreach_id,) = started(mailbox, two_due_steps(), 1, "held")

    env = worker_env(SMTP_TIMEOUT_SECONDS="120")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "work", "--once"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Stored `sending`, and its data is at the server, which does not answer.
        wait_for(
            lambda: server.received and Message.objects.filter(status="sending").exists(),
            30,
            "the worker to hand the message over",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    hold.clear()  # the server answers normally from now on
    message = Message.objects.get()
    assert message.status == MessageStatus.SENDING

    time.sleep(1.2)  # older than SENDING_STALE_SECONDS below
    again = subprocess.run(
        [sys.executable, "manage.py", "work", "--once"],
        cwd=ROOT,
        env=worker_env(SENDING_STALE_SECONDS="1"),
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
    )
    assert again.returncode == 0, again.stderr

    message.refresh_from_db()
    assert message.status == MessageStatus.UNCERTAIN
    assert "may or may not have left" in message.server_answer
    assert Message.objects.count() == 1  # step 2 was not sent either
    assert received_ids(server) == Counter({message.message_id: 1})  # the held one, once
    outreach = Outreach.objects.get(pk=outreach_id)
    assert outreach.next_step == 1
    assert outreach.next_step_at is None

    answer = api.get(f"/api/outreaches/{outreach.public_id}/schedule")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["waiting_for"] == "task"
    assert body["next_step_at"] is None
    assert body["explanation"] == (
        f"{message.public_id} may or may not have been sent (its worker stopped mid-send): "
        "mark it sent or send it again."
    )
