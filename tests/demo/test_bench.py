"""The bench command's own checks (the bench itself runs with `make bench`)."""

import pytest
from django.core.management import CommandError, call_command

from demo.bench import scenarios
from demo.bench.dovecot import DOVECOT
from demo.bench.replies import run_replies
from demo.bench.report import backend_markdown
from demo.bench.sending import run_sending
from outreach.models import Outreach
from replies import polling
from replies.models import InboundMessage
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


@pytest.mark.django_db
def test_the_replies_scenario_reports_and_the_second_poll_reads_only_what_is_new(monkeypatch):
    """The corpus classified (alone, from bytes, through receive()), then a mailbox of the
    bench's own Dovecot read in polls of at most 10 and polled again after 3 more arrived;
    all of it rolled back."""
    monkeypatch.setattr(polling, "MAX_PER_POLL", 10)
    bench = scenarios.prepare(repeat=1, naive_repeat=1, per_object_up_to=1, explain=False)
    run_replies(bench, classify_messages=76, receive_messages=40, poll_messages=25, new_messages=3)
    [result] = bench.results
    found = result["classification"]
    assert found["corpus"] == 38 and found["messages"] == 76
    assert found["rules"]["per_second"] > 0 and found["bytes_to_verdict"]["per_second"] > 0
    assert set(found["bytes_to_verdict"]["ms_per_message"]) == {"parse", "bounce_of", "classify"}
    received = result["receive"]
    assert (received["messages"], received["outreaches"]) == (40, 2)
    assert sum(received["classifications"].values()) == 40 and received["matched"] > 0
    assert "INSERT replies_inboundmessage" in received["queries_per_message_by_kind"]
    table = backend_markdown({"rows": {}, "database": "test", "results": [result], "vendor": "x"})
    assert "`receive()`: parse, match, classify, keep, act" in table
    poll = result["poll"]
    if not DOVECOT.exists():
        assert "Dovecot is not installed" in poll["skipped"]
        assert "IMAP poll skipped: Dovecot is not installed" in table
    else:
        assert (poll["first"]["read"], poll["catch_up"]["polls"]) == (10, 3)
        assert poll["catch_up"]["read"] == poll["catch_up"]["fetched"] == 25
        assert (poll["idle"]["read"], poll["idle"]["fetched"]) == (0, 0)
        second = poll["second"]
        assert (second["appended"], second["read"], second["fetched"]) == (3, 3, 3)
        assert poll["kept"] == 28 and poll["meets"] == {"incremental": True}
        assert "| the next poll, 3 new | 3 | 3 |" in table
    assert not InboundMessage.objects.exists() and not Outreach.objects.exists()


@pytest.mark.django_db
def test_the_raw_baseline_replays_a_request_as_most_requests_send_it():
    """The first request of a throttle window INSERTs its counter, which a replay could not
    insert again: that recording is taken again."""
    from django.contrib.auth.models import Group

    def run():
        if not Group.objects.exists():
            Group.objects.create(name="the window's counter")
        return Group.objects.count()

    answer, statements = scenarios._steady_statements(run)
    assert answer == 1
    assert [s.sql.split()[0] for s in statements] == ["SELECT", "SELECT"]
