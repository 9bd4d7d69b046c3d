"""Sending over a real SMTP server (aiosmtpd on 127.0.0.1): plain, STARTTLS and SSL with a
self-signed certificate, logins, a refused login, 4xx and 5xx answers, an unreachable server."""

import email
import smtplib
from email import policy

import pytest

from sending import transports
from sending.choices import MailboxKind, Security
from sending.composition import Sender, compose
from tests.sending.conftest import PASSWORD, USERNAME, free_port

SENDER = Sender(email="ada@example.com", name="Ada Lovelace")


def _raw(to="bob@example.org") -> bytes:
    return compose(sender=SENDER, to=to, subject="Hello", body="Hi Bob").raw


def _send(server, security=Security.NONE, username="", password="", timeout=5):
    settings = transports.SmtpSettings(
        host=server.host, port=server.port, security=security, username=username, password=password
    )
    return transports.send_smtp(
        settings, sender=SENDER.email, recipients=["bob@example.org"], raw=_raw(), timeout=timeout
    )


def test_a_plain_server_gets_the_exact_bytes_and_its_answer_is_returned(smtp_server):
    server = smtp_server()

    result = _send(server)

    assert result.delivered is True
    assert result.code == 250
    assert result.answer == "250 2.0.0 Ok: queued as T3ST"
    [received] = server.received
    assert received.mail_from == "ada@example.com"
    assert received.rcpt_tos == ["bob@example.org"]
    parsed = email.message_from_bytes(received.data, policy=policy.default)
    assert parsed["Subject"] == "Hello"
    assert parsed.get_content().strip() == "Hi Bob"


def test_starttls_with_a_verified_certificate_and_a_login(smtp_server, trust_certificate):
    server = smtp_server(tls="starttls", auth=True)

    result = _send(server, Security.STARTTLS, USERNAME, PASSWORD)

    assert result.code == 250
    assert server.logins == [USERNAME]
    assert len(server.received) == 1


def test_ssl_from_the_first_byte(smtp_server, trust_certificate):
    server = smtp_server(tls="ssl", auth=True)

    result = _send(server, Security.SSL, USERNAME, PASSWORD)

    assert result.code == 250
    assert server.logins == [USERNAME]


def test_an_untrusted_certificate_is_refused_before_anything_is_sent(smtp_server):
    server = smtp_server(tls="starttls")

    with pytest.raises(transports.SendFailed) as failed:
        _send(server, Security.STARTTLS)

    assert failed.value.reason == "connection"
    assert "TLS" in failed.value.answer
    assert server.received == []


def test_starttls_chosen_but_not_offered_sends_nothing_in_clear(smtp_server):
    server = smtp_server(tls="none")

    with pytest.raises(transports.SendFailed) as failed:
        _send(server, Security.STARTTLS)

    assert "does not offer STARTTLS" in failed.value.answer
    assert server.received == []


def test_a_refused_login_is_a_login_failure_that_is_not_retried(smtp_server, trust_certificate):
    server = smtp_server(tls="starttls", auth=True)

    with pytest.raises(transports.SendFailed) as failed:
        _send(server, Security.STARTTLS, USERNAME, "wrong")

    assert failed.value.reason == "login"
    assert failed.value.code == 535
    assert failed.value.answer.startswith("535")
    assert failed.value.temporary is False
    assert server.received == []


@pytest.mark.parametrize(
    ("where", "answer", "temporary"),
    [
        ("rcpt", "450 4.2.1 Mailbox busy, try later", True),
        ("rcpt", "550 5.1.1 No such user", False),
        ("data", "451 4.3.0 Temporary local problem", True),
        ("data", "554 5.7.1 Message refused as spam", False),
    ],
)
def test_4xx_and_5xx_answers_are_told_apart(smtp_server, where, answer, temporary):
    server = smtp_server()
    setattr(server, f"{where}_answer", answer)

    with pytest.raises(transports.SendFailed) as failed:
        _send(server)

    assert failed.value.reason == "refused"
    assert failed.value.code == int(answer[:3])
    assert failed.value.answer == answer
    assert failed.value.temporary is temporary


def test_a_server_that_is_not_there_is_a_connection_failure():
    closed = transports.SmtpSettings(host="127.0.0.1", port=free_port(), security=Security.NONE)

    with pytest.raises(transports.SendFailed) as failed:
        transports.send_smtp(closed, sender="a@example.com", recipients=["b@example.com"], raw=b"x")

    assert failed.value.reason == "connection"
    assert "refused the connection" in failed.value.answer
    assert failed.value.temporary is True


def test_a_local_mailbox_sends_nothing(smtp_server):
    server = smtp_server()
    settings = transports.SmtpSettings(host=server.host, port=server.port, security="none")

    result = transports.send(
        kind=MailboxKind.LOCAL,
        server=settings,
        sender="a@example.com",
        recipients=["b@x.org"],
        raw=b"x",
    )

    assert result.delivered is False
    assert server.received == []


def test_many_messages_go_over_one_connection_each_answered_on_its_own(smtp_server):
    server = smtp_server()
    settings = transports.SmtpSettings(server.host, server.port, "none")
    messages = [
        transports.Outgoing(
            "a@example.com", [f"r{n}@example.org"], f"Subject: {n}\r\n\r\nx".encode()
        )
        for n in range(3)
    ]
    messages[1] = transports.Outgoing("a@example.com", ["bad@"], b"Subject: 1\r\n\r\nx")
    outcomes = transports.send_smtp_many(settings, messages)
    assert [type(o).__name__ for o in outcomes] == ["SendResult", "SendFailed", "SendResult"]
    assert outcomes[1].reason == "refused" and not outcomes[1].temporary
    assert [r.rcpt_tos for r in server.received] == [["r0@example.org"], ["r2@example.org"]]


def test_a_connection_broken_during_data_is_uncertain_not_temporary(smtp_server, monkeypatch):
    server = smtp_server()
    settings = transports.SmtpSettings(server.host, server.port, "none")

    def broken_data(self, msg):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(smtplib.SMTP, "data", broken_data)
    outgoing = [transports.Outgoing("a@example.com", ["r@example.org"], b"Subject: x\r\n\r\nx")] * 2
    first, second = transports.send_smtp_many(settings, outgoing)
    assert first.reason == "uncertain"
    assert "may or may not" in first.answer
    assert second.reason == "connection" and second.temporary
