"""The bench command's own checks (the bench itself runs with `make bench`)."""

import pytest
from django.core.management import CommandError, call_command

from demo.bench import scenarios
from demo.bench.report import backend_markdown
from demo.bench.sending import run_sending
from outreach.models import Outreach
from sending.models import Mailbox, Message


def test_bench_refuses_backends_it_cannot_run(monkeypatch):
    with pytest.raises(CommandError, match=r"Unknown: mysql\. Use sqlite, postgresql\."):
        call_command("bench", "--backends", "mysql")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.sqlite3")
    with pytest.raises(CommandError, match="--backends postgresql needs DATABASE_URL"):
        call_command("bench", "--backends", "postgresql")


@pytest.mark.django_db
def test_the_sending_scenario_reports_and_keeps_nothing():
    """A scheduling pass that finds nothing, then every due message sent through a local and
    an SMTP mailbox (the bench's own aiosmtpd on 127.0.0.1); all of it rolled back."""
    bench = scenarios.prepare(repeat=1, naive_repeat=1, per_object_up_to=1, explain=True)
    run_sending(bench, pass_outreaches=300, pass_mailboxes=3, local_messages=6, smtp_messages=4)
    [result] = bench.results
    scheduling = result["pass"]
    assert scheduling["outreaches"] == 300 and scheduling["queries"] == 2
    assert scheduling["explain"] and "sending_mailbox" in scheduling["explain"][0]["sql"]
    local, smtp = result["throughput"]
    assert (local["kind"], local["messages"], smtp["kind"], smtp["messages"]) == (
        "local",
        6,
        "smtp",
        4,
    )
    assert local["per_second"] > 0 and smtp["per_second"] > 0
    assert smtp["ms_per_message"]["hand_over"] > 0
    assert "INSERT sending_message" in local["queries_per_message_by_kind"]
    table = backend_markdown({"rows": {}, "database": "test", "results": [result], "vendor": "x"})
    assert "`send_due()` with nothing due: 300 running outreaches, 3 mailboxes" in table
    assert "6 messages due on one `local` mailbox" in table
    assert not Outreach.objects.exists() and not Message.objects.exists()
    assert not Mailbox.objects.exists()
