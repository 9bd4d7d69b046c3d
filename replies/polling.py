"""Reading new messages from mailboxes over IMAP (imapclient), for the worker's sweep.

Each poll reads the messages after the last UID it saw (the folder opened read-only: nothing is
marked read); when the folder's UIDVALIDITY changed, UIDs mean something else now and the
folder is read from the start again (messages kept before are recognised and not kept twice).
Each message is received in its own transaction, and the last UID is stored after each, so a
poll cut short goes on where it stopped. No database lock is held while the server talks: a
lease on the poll's row keeps two workers from reading the same mailbox at once.

A refused login stops polling that mailbox, with the server's answer kept, until its IMAP
settings change; any other failure (unreachable, timed out) is kept and tried again next time.
"""

import contextlib
import datetime
import hashlib
import logging
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from core import crypto
from core.errors import InvalidInput
from sending import transports
from sending.choices import Security
from sending.models import Mailbox
from sending.services import PASSWORD_PURPOSE

from . import services
from .models import MailboxPoll

logger = logging.getLogger(__name__)

# Messages fetched per round trip, and read per poll (the next poll reads on).
FETCH_CHUNK = 25
MAX_PER_POLL = 500
# A worker that died mid-poll lets go of the mailbox after this.
LEASE_SECONDS = 600


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str
    username: str
    password: str
    folder: str


class PollFailed(Exception):
    """The poll could not read the mailbox; `login` when the server refused the login."""

    def __init__(self, message: str, *, login: bool = False):
        super().__init__(message)
        self.message = message
        self.login = login


@dataclass(frozen=True)
class PollResult:
    read: int = 0
    kept: int = 0
    skipped: str = ""  # why it was not polled
    error: str = ""


def imap_settings(mailbox: Mailbox) -> ImapSettings:
    """The mailbox's IMAP server, with its password decrypted (for the poll only)."""
    password = ""
    if mailbox.imap_password_encrypted:
        try:
            password = crypto.decrypt(PASSWORD_PURPOSE, mailbox.imap_password_encrypted)
        except crypto.InvalidToken:
            raise PollFailed(
                "The stored IMAP password cannot be decrypted (SECRETS_KEY changed): "
                "enter it again.",
                login=True,
            ) from None
    return ImapSettings(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.imap_security,
        username=mailbox.imap_username or mailbox.from_email,
        password=password,
        folder=mailbox.imap_folder or "INBOX",
    )


def settings_digest(mailbox: Mailbox) -> str:
    """A digest of what a login depends on: a change of any of it lets polling start again."""
    parts = (
        mailbox.imap_host,
        str(mailbox.imap_port),
        mailbox.imap_security,
        mailbox.imap_username,
        mailbox.imap_password_encrypted,
        mailbox.imap_folder,
        mailbox.from_email,
    )
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def connect(server: ImapSettings) -> IMAPClient:
    """A logged-in client, every socket operation bounded by IMAP_TIMEOUT_SECONDS."""
    timeout = settings.IMAP_TIMEOUT_SECONDS
    where = f"{server.host}:{server.port}"
    try:
        if server.security == Security.SSL:
            client = IMAPClient(
                server.host,
                port=server.port,
                ssl=True,
                ssl_context=transports.tls_context(),
                timeout=timeout,
            )
        else:
            client = IMAPClient(server.host, port=server.port, ssl=False, timeout=timeout)
            if server.security == Security.STARTTLS:
                client.starttls(transports.tls_context())
    except TimeoutError:
        raise PollFailed(f"{where} did not answer within {timeout:g} s.") from None
    except ssl.SSLError as exc:
        raise PollFailed(f"TLS with {where} failed: {exc}") from None
    except (OSError, IMAPClientError) as exc:
        raise PollFailed(f"{where} could not be reached: {exc}") from None
    try:
        client.login(server.username, server.password)
    except LoginError as exc:
        _close(client)
        answer = exc.args[0] if exc.args else exc
        if isinstance(answer, bytes):
            answer = answer.decode(errors="replace")
        raise PollFailed(
            f"{where} refused the login of {server.username}: {answer}", login=True
        ) from None
    except (OSError, IMAPClientError) as exc:
        _close(client)
        raise PollFailed(f"{where} failed during the login: {exc}") from None
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # already gone: nothing to close
        with contextlib.suppress(Exception):
            client.shutdown()


# --- one mailbox ----------------------------------------------------------------------------


def _take_lease(poll: MailboxPoll, now: datetime.datetime) -> bool:
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return bool(
        MailboxPoll.objects.filter(free, pk=poll.pk).update(
            lease_until=now + datetime.timedelta(seconds=LEASE_SECONDS)
        )
    )


def poll_mailbox(mailbox: Mailbox) -> PollResult:
    """Read the mailbox's new messages (see the module's docstring)."""
    poll, _ = MailboxPoll.objects.get_or_create(mailbox=mailbox)
    digest = settings_digest(mailbox)
    if poll.stopped and poll.settings_digest == digest:
        return PollResult(skipped="The login was refused; change the IMAP settings.")
    now = timezone.now()
    if not _take_lease(poll, now):
        return PollResult(skipped="Another worker is polling it.")
    try:
        read, kept = _read_new(mailbox, poll)
    except PollFailed as failure:
        MailboxPoll.objects.filter(pk=poll.pk).update(
            error=failure.message[:2000],
            error_at=timezone.now(),
            stopped=failure.login,
            settings_digest=digest,
            last_polled_at=timezone.now(),
            lease_until=None,
        )
        logger.warning("IMAP poll of mailbox %s failed: %s", mailbox.pk, failure.message)
        return PollResult(error=failure.message)
    except BaseException:
        MailboxPoll.objects.filter(pk=poll.pk).update(lease_until=None)
        raise
    MailboxPoll.objects.filter(pk=poll.pk).update(
        error="",
        error_at=None,
        stopped=False,
        settings_digest=digest,
        last_polled_at=timezone.now(),
        last_read_count=read,
        lease_until=None,
    )
    return PollResult(read=read, kept=kept)


def _read_new(mailbox: Mailbox, poll: MailboxPoll) -> tuple[int, int]:
    server = imap_settings(mailbox)
    client = connect(server)
    read = kept = 0
    try:
        try:
            folder = client.select_folder(server.folder, readonly=True)
        except IMAPClientError as exc:
            raise PollFailed(f"The folder {server.folder!r} could not be opened: {exc}") from None
        uidvalidity = int(folder.get(b"UIDVALIDITY", 0))
        last_uid = poll.last_uid if poll.uidvalidity == uidvalidity else 0
        if poll.uidvalidity != uidvalidity:
            MailboxPoll.objects.filter(pk=poll.pk).update(uidvalidity=uidvalidity, last_uid=0)
        # "N:*" always names the newest message, even when it is older than N.
        uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
        uids = uids[:MAX_PER_POLL]
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start : start + FETCH_CHUNK]
            for uid, raw in _fetch(client, chunk):
                try:
                    kept += services.receive(raw=raw, mailbox=mailbox).created
                except InvalidInput as exc:  # nothing in it to keep
                    logger.warning("mailbox %s, UID %s: %s", mailbox.pk, uid, exc.message)
                read += 1
                MailboxPoll.objects.filter(pk=poll.pk).update(last_uid=uid)
    except TimeoutError:
        raise PollFailed(
            f"{server.host}:{server.port} stopped answering (more than "
            f"{settings.IMAP_TIMEOUT_SECONDS:g} s); read {read} message(s) first."
        ) from None
    except (OSError, IMAPClientError) as exc:
        raise PollFailed(f"Reading from {server.host}:{server.port} failed: {exc}") from None
    finally:
        _close(client)
    return read, kept


def _fetch(client: IMAPClient, uids: list[int]):
    """(uid, bytes) of each message, oldest first; a message over INBOUND_MAX_BYTES is kept
    with its first INBOUND_MAX_BYTES only."""
    limit = settings.INBOUND_MAX_BYTES
    sizes = client.fetch(uids, ["RFC822.SIZE"])
    small = [uid for uid in uids if sizes.get(uid, {}).get(b"RFC822.SIZE", 0) <= limit]
    large = [uid for uid in uids if uid not in small]
    found: dict[int, bytes] = {}
    if small:
        for uid, data in client.fetch(small, ["BODY.PEEK[]"]).items():
            found[uid] = data.get(b"BODY[]") or b""
    if large:
        for uid, data in client.fetch(large, [f"BODY.PEEK[]<0.{limit}>"]).items():
            found[uid] = data.get(b"BODY[]<0>") or b""
    for uid in uids:
        if found.get(uid):
            yield uid, found[uid]


# --- the sweep ------------------------------------------------------------------------------


def pollable_mailboxes():
    """Active mailboxes with an IMAP server, in every workspace."""
    return Mailbox._base_manager.filter(active=True).exclude(imap_host="").order_by("pk")


def poll_mailboxes() -> int:
    """The worker's sweep: poll every mailbox that has IMAP settings; answers messages read."""
    read = 0
    for mailbox in pollable_mailboxes():
        try:
            read += poll_mailbox(mailbox).read
        except Exception:  # one mailbox's trouble must not stop the others
            logger.exception("IMAP poll of mailbox %s failed", mailbox.pk)
    return read
