"""Handing a built message to the world: `local` keeps it, `smtp` sends it with smtplib.

A send answers a SendResult (what the server said) or raises SendFailed, whose `temporary`
tells a 4xx (try again later) from a 5xx or a refused login (do not). Passwords are passed in,
used for the login and never logged.
"""

import contextlib
import smtplib
import socket
import ssl
from dataclasses import dataclass

from django.conf import settings

from .choices import MailboxKind, Security


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class SendResult:
    """What happened: `delivered` is whether the message left this machine."""

    delivered: bool
    code: int | None
    answer: str


class SendFailed(Exception):
    """The message was not accepted.

    `reason` is one of "login" (the server refused the login), "connection" (unreachable,
    timed out, TLS failed), "refused" (the server answered the message with an error code),
    "uncertain" (the connection broke while the message was handed over: it may have been
    accepted, so it must not be sent again by itself).
    """

    def __init__(self, reason: str, answer: str, *, code: int | None = None):
        super().__init__(answer)
        self.reason = reason
        self.answer = answer
        self.code = code

    @property
    def temporary(self) -> bool:
        """Worth trying again later: a 4xx answer, or a server that could not be reached."""
        if self.reason == "connection":
            return True
        return self.code is not None and 400 <= self.code < 500


def tls_context() -> ssl.SSLContext:
    """The TLS settings for STARTTLS and SSL: the system's trusted certificates, verified."""
    return ssl.create_default_context()


def _text(reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:900]


def _answer(code: int, reply: bytes | str) -> str:
    return f"{code} {_text(reply)}".strip()


def send_local(raw: bytes) -> SendResult:
    """A local mailbox sends nothing: the caller stores the message, and that is all."""
    return SendResult(
        delivered=False, code=None, answer="Stored only: a local mailbox sends nothing."
    )


def _connect(server: SmtpSettings, timeout: float) -> smtplib.SMTP:
    if server.security == Security.SSL:
        return smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=tls_context())
    smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
    if server.security == Security.STARTTLS:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            smtp.close()
            raise SendFailed(
                "connection", "The server does not offer STARTTLS; choose SSL or no security."
            )
        code, reply = smtp.starttls(context=tls_context())
        if code != 220:
            smtp.close()
            raise SendFailed("connection", _answer(code, reply), code=code)
    return smtp


@dataclass(frozen=True)
class Outgoing:
    """One message to hand over: envelope sender, recipients, exact bytes."""

    sender: str
    recipients: list[str]
    raw: bytes


def send_smtp(
    server: SmtpSettings,
    *,
    sender: str,
    recipients: list[str],
    raw: bytes,
    timeout: float | None = None,
) -> SendResult:
    """Send `raw` through an SMTP server: MAIL FROM, RCPT TO, DATA, and the server's answer
    to DATA as the result."""
    (outcome,) = send_smtp_many(
        server, [Outgoing(sender=sender, recipients=recipients, raw=raw)], timeout=timeout
    )
    if isinstance(outcome, SendFailed):
        raise outcome
    return outcome


def send_smtp_many(
    server: SmtpSettings, messages: list[Outgoing], *, timeout: float | None = None
) -> list[SendResult | SendFailed]:
    """Send several messages over one connection (one login), each answered on its own: a
    refused message does not stop the next. When the connection or the login fails, every
    message not yet sent gets that failure; when it breaks while a message's DATA is under
    way, that message's fate is unknown (`uncertain`)."""
    timeout = timeout if timeout is not None else settings.SMTP_TIMEOUT_SECONDS
    try:
        smtp = _open(server, timeout)
    except SendFailed as failure:
        return [failure] * len(messages)
    outcomes: list[SendResult | SendFailed] = []
    try:
        for message in messages:
            try:
                outcomes.append(_transfer(smtp, server, message))
            except SendFailed as failure:
                outcomes.append(failure)
                if failure.reason in ("connection", "uncertain"):
                    break
                _abandon(smtp)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    broken = outcomes[-1] if outcomes and isinstance(outcomes[-1], SendFailed) else None
    rest = SendFailed(
        "connection",
        broken.answer if broken is not None else "The connection ended.",
        code=broken.code if broken is not None and broken.reason == "connection" else None,
    )
    return outcomes + [rest] * (len(messages) - len(outcomes))


def _open(server: SmtpSettings, timeout: float) -> smtplib.SMTP:
    """A connection, secured as configured and logged in."""
    try:
        smtp = _connect(server, timeout)
    except SendFailed:
        raise
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(
            "connection", _answer(exc.smtp_code, exc.smtp_error), code=exc.smtp_code
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailed("connection", _unreachable(server, exc)) from None
    try:
        smtp.ehlo_or_helo_if_needed()
        if server.username:
            try:
                smtp.login(server.username, server.password)
            except smtplib.SMTPAuthenticationError as exc:
                raise SendFailed(
                    "login", _answer(exc.smtp_code, exc.smtp_error), code=exc.smtp_code
                ) from None
            except smtplib.SMTPNotSupportedError:
                raise SendFailed(
                    "login", "The server offers no login (AUTH) on this connection."
                ) from None
    except SendFailed:
        smtp.close()
        raise
    except smtplib.SMTPResponseException as exc:
        smtp.close()
        raise SendFailed(
            "connection", _answer(exc.smtp_code, exc.smtp_error), code=exc.smtp_code
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        smtp.close()
        raise SendFailed("connection", _unreachable(server, exc)) from None
    return smtp


def _transfer(smtp: smtplib.SMTP, server: SmtpSettings, message: Outgoing) -> SendResult:
    """MAIL, RCPT and DATA for one message on an open connection."""
    try:
        code, reply = smtp.mail(message.sender)
        if code != 250:
            raise SendFailed("refused", _answer(code, reply), code=code)
        for recipient in message.recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise SendFailed("refused", _answer(code, reply), code=code)
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(
            "refused", _answer(exc.smtp_code, exc.smtp_error), code=exc.smtp_code
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailed("connection", _unreachable(server, exc)) from None
    try:
        code, reply = smtp.data(message.raw)
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(
            "refused", _answer(exc.smtp_code, exc.smtp_error), code=exc.smtp_code
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        # The bytes may have reached the server before the connection broke.
        raise SendFailed(
            "uncertain",
            f"{_unreachable(server, exc)} It broke while the message was being handed over: "
            "it may or may not have been accepted.",
        ) from None
    if code != 250:
        raise SendFailed("refused", _answer(code, reply), code=code)
    return SendResult(delivered=True, code=code, answer=_answer(code, reply))


def _abandon(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, smtplib.SMTPException):
        smtp.rset()


def _unreachable(server: SmtpSettings, exc: BaseException) -> str:
    where = f"{server.host}:{server.port}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"No answer from {where} in time."
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {exc.reason or exc}."
    if isinstance(exc, socket.gaierror):
        return f"Cannot find the server {server.host}."
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection."
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection."
    return f"Cannot reach {where}: {exc}."


def send(
    *,
    kind: str,
    server: SmtpSettings | None,
    sender: str,
    recipients: list[str],
    raw: bytes,
) -> SendResult:
    """Send through a mailbox of `kind`."""
    (outcome,) = send_many(kind=kind, server=server, messages=[Outgoing(sender, recipients, raw)])
    if isinstance(outcome, SendFailed):
        raise outcome
    return outcome


def send_many(
    *, kind: str, server: SmtpSettings | None, messages: list[Outgoing]
) -> list[SendResult | SendFailed]:
    """Send several messages through one mailbox of `kind`, each answered on its own."""
    if kind == MailboxKind.LOCAL:
        return [send_local(message.raw) for message in messages]
    if server is None or not server.host:
        return [SendFailed("connection", "The mailbox has no SMTP server set.")] * len(messages)
    return send_smtp_many(server, messages)
