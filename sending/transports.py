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
    timed out, TLS failed), "refused" (the server answered the message with an error code).
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
    timeout = timeout if timeout is not None else settings.SMTP_TIMEOUT_SECONDS
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
        code, reply = smtp.mail(sender)
        if code != 250:
            raise SendFailed("refused", _answer(code, reply), code=code)
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise SendFailed("refused", _answer(code, reply), code=code)
        code, reply = smtp.data(raw)
        if code != 250:
            raise SendFailed("refused", _answer(code, reply), code=code)
        return SendResult(delivered=True, code=code, answer=_answer(code, reply))
    except SendFailed:
        _abandon(smtp)
        raise
    except smtplib.SMTPResponseException as exc:
        _abandon(smtp)
        raise SendFailed(
            "refused", _answer(exc.smtp_code, exc.smtp_error), code=exc.smtp_code
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        _abandon(smtp)
        raise SendFailed("connection", _unreachable(server, exc)) from None
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


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
    if kind == MailboxKind.LOCAL:
        return send_local(raw)
    if server is None or not server.host:
        raise SendFailed("connection", "The mailbox has no SMTP server set.")
    return send_smtp(server, sender=sender, recipients=recipients, raw=raw)
