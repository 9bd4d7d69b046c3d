"""Writes of mailboxes (and the workspace's DKIM key), each audited with passwords redacted;
a mailbox's test message.

Roles: anyone who may write records manages their own mailboxes; managing other users'
mailboxes (or making one for someone else) needs a manager.
"""

import base64
import datetime
import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone

from core import crypto
from core.actors import Actor, acting_user
from core.errors import Conflict, InvalidInput
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require
from workspaces.selectors import members, workspace_for_create, workspace_id_of

from . import choices, composition, transports
from .choices import MailboxKind, MessageStatus, Security
from .exceptions import LoginRefused, ServerUnavailable
from .models import DkimKey, Mailbox, Message

PASSWORD_PURPOSE = "mailbox-passwords"
DKIM_PURPOSE = "dkim-keys"
MANAGE_OWN = "manage mailboxes"
MANAGE_OTHERS = "manage other users' mailboxes"
# Written with the model's own name; the passwords are write-only and stored encrypted.
MAILBOX_FIELDS = (
    "name",
    "from_name",
    "from_email",
    "kind",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_folder",
    "daily_limit",
    "min_interval_seconds",
    "window_days",
    "window_start",
    "window_end",
    "time_zone",
    "signature",
    "active",
)
PASSWORDS = ("smtp_password", "imap_password")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$|^\[[0-9A-Fa-f:.]+\]$")
_ONE_LINE = ("name", "from_name", "smtp_username", "imap_username", "imap_folder")


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: object) -> bool:
    return isinstance(name, str) and name in _time_zones()


# --- checks -------------------------------------------------------------------------------


def _check(values: dict[str, Any]) -> dict[str, Any]:
    """The mailbox as it would be saved, checked field by field (a 400 naming the field)."""
    for name in _ONE_LINE:
        text = values.get(name)
        if isinstance(text, str) and ("\n" in text or "\r" in text or "\x00" in text):
            raise InvalidInput("Must be one line of text.", field=name)
    if not str(values.get("name") or "").strip():
        raise InvalidInput("This field may not be blank.", field="name")
    if not str(values.get("from_email") or "").strip():
        raise InvalidInput("This field may not be blank.", field="from_email")
    if values.get("kind") not in MailboxKind.values:
        raise InvalidInput(f"Use one of: {', '.join(MailboxKind.values)}.", field="kind")
    for prefix in ("smtp", "imap"):
        host = values.get(f"{prefix}_host") or ""
        if host and (len(host) > 255 or not _HOST.match(host)):
            raise InvalidInput("Not a host name or address.", field=f"{prefix}_host")
        port = values.get(f"{prefix}_port")
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            raise InvalidInput("A port is a number from 1 to 65535.", field=f"{prefix}_port")
        if values.get(f"{prefix}_security") not in Security.values:
            raise InvalidInput(
                f"Use one of: {', '.join(Security.values)}.", field=f"{prefix}_security"
            )
    if values["kind"] == MailboxKind.SMTP and not values.get("smtp_host"):
        raise InvalidInput("An smtp mailbox needs its server's host name.", field="smtp_host")
    if not str(values.get("imap_folder") or "").strip():
        raise InvalidInput("This field may not be blank.", field="imap_folder")
    limit = values.get("daily_limit")
    if not isinstance(limit, int) or not 1 <= limit <= choices.MAX_DAILY_LIMIT:
        raise InvalidInput(f"A number from 1 to {choices.MAX_DAILY_LIMIT}.", field="daily_limit")
    interval = values.get("min_interval_seconds")
    if not isinstance(interval, int) or not 0 <= interval <= choices.MAX_MIN_INTERVAL_SECONDS:
        raise InvalidInput(
            f"A number of seconds from 0 to {choices.MAX_MIN_INTERVAL_SECONDS}.",
            field="min_interval_seconds",
        )
    values["window_days"] = _check_days(values.get("window_days"))
    start, end = values.get("window_start"), values.get("window_end")
    for name, value in (("window_start", start), ("window_end", end)):
        if not isinstance(value, datetime.time):
            raise InvalidInput("A time of day, HH:MM.", field=name)
    if end <= start:
        raise InvalidInput("The sending window must end after it starts.", field="window_end")
    if not is_time_zone(values.get("time_zone")):
        raise InvalidInput(
            "Not a time zone: use an IANA name such as Europe/Berlin or America/New_York.",
            field="time_zone",
        )
    if len(values.get("signature") or "") > choices.MAX_SIGNATURE:
        raise InvalidInput(f"At most {choices.MAX_SIGNATURE} characters.", field="signature")
    return values


def _check_days(days: object) -> list[str]:
    if not isinstance(days, list | tuple) or not days:
        raise InvalidInput(
            f"Choose at least one day: {', '.join(choices.WEEKDAYS)}.", field="window_days"
        )
    given = {str(day).strip().lower()[:3] for day in days}
    unknown = sorted(given - set(choices.WEEKDAYS))
    if unknown or any(len(str(day).strip()) < 3 for day in days):
        raise InvalidInput(
            f"Unknown day(s): {', '.join(map(str, days))}. Use {', '.join(choices.WEEKDAYS)}.",
            field="window_days",
        )
    return [day for day in choices.WEEKDAYS if day in given]


def _check_owner(owner, workspace_id: int) -> None:
    if not members(workspace_id).filter(pk=owner.pk).exists():
        raise InvalidInput("Not an active member of this workspace.", field="owner_id")


def _require_manage(actor: Actor, owner_id: int | None) -> None:
    require(actor, Permission.WRITE, MANAGE_OWN)
    user = acting_user(actor)
    if user is not None and owner_id != user.pk:
        require(actor, Permission.CONFIGURE, MANAGE_OTHERS)


def _encrypted(password: str) -> str:
    return crypto.encrypt(PASSWORD_PURPOSE, password) if password else ""


def smtp_settings(mailbox: Mailbox) -> transports.SmtpSettings:
    """The mailbox's SMTP server, with its password decrypted (for the send only)."""
    password = ""
    if mailbox.smtp_password_encrypted:
        try:
            password = crypto.decrypt(PASSWORD_PURPOSE, mailbox.smtp_password_encrypted)
        except crypto.InvalidToken:
            raise Conflict(
                "The stored SMTP password cannot be decrypted (SECRETS_KEY changed): "
                "enter it again.",
                field="smtp_password",
            ) from None
    return transports.SmtpSettings(
        host=mailbox.smtp_host,
        port=mailbox.smtp_port,
        security=mailbox.smtp_security,
        username=mailbox.smtp_username,
        password=password,
    )


# --- writes -------------------------------------------------------------------------------


@transaction.atomic
def mailbox_create(
    *,
    actor: Actor,
    owner=None,
    smtp_password: str = "",
    imap_password: str = "",
    workspace=None,
    **values: Any,
) -> Mailbox:
    """Add a mailbox, owned by `owner` (default: the actor)."""
    owner = owner or acting_user(actor)
    if owner is None:
        raise InvalidInput("A mailbox needs an owner.", field="owner_id")
    _require_manage(actor, owner.pk)
    unknown = set(values) - set(MAILBOX_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if workspace is None and acting_user(actor) is None:
        workspace = workspace_id_of(user=owner)  # background work: the owner's workspace
    workspace_id = workspace_for_create(actor, workspace)
    _check_owner(owner, workspace_id)
    defaults = {name: Mailbox._meta.get_field(name).get_default() for name in MAILBOX_FIELDS}
    values = _check({**defaults, **values})
    mailbox = Mailbox.objects.create(
        workspace_id=workspace_id,
        owner=owner,
        smtp_password_encrypted=_encrypted(smtp_password),
        imap_password_encrypted=_encrypted(imap_password),
        **values,
    )
    logged = {**values, "owner": owner}
    for name, password in (("smtp_password", smtp_password), ("imap_password", imap_password)):
        if password:
            logged[name] = password  # redacted by the audit log (its name says secret)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=mailbox, changes=audit.created(logged))
    return mailbox


@transaction.atomic
def mailbox_update(*, mailbox: Mailbox, actor: Actor, **changes: Any) -> Mailbox:
    """Change a mailbox. A password given replaces the stored one ("" removes it); a password
    not given stays as it is."""
    _require_manage(actor, mailbox.owner_id)
    unknown = set(changes) - {*MAILBOX_FIELDS, *PASSWORDS, "owner"}
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if "owner" in changes:
        owner = changes["owner"]
        if owner is None:
            raise InvalidInput("A mailbox needs an owner.", field="owner_id")
        _require_manage(actor, owner.pk)
        _check_owner(owner, mailbox.workspace_id)
    fields = {name: value for name, value in changes.items() if name in MAILBOX_FIELDS}
    current = {name: getattr(mailbox, name) for name in MAILBOX_FIELDS}
    fields = {
        name: value for name, value in _check({**current, **fields}).items() if name in changes
    }
    before = audit.snapshot(mailbox, [*fields, *(["owner"] if "owner" in changes else [])])
    after = dict(fields)
    for name, value in fields.items():
        setattr(mailbox, name, value)
    update_fields = list(fields)
    if fields:
        # Its limits or its state changed: the engine asks again when it may send next.
        mailbox.next_send_at = None
        update_fields.append("next_send_at")
    if fields.get("active") is True and mailbox.paused_reason:
        before["paused_reason"] = mailbox.paused_reason
        after["paused_reason"] = mailbox.paused_reason = ""
        update_fields.append("paused_reason")
    if "owner" in changes:
        mailbox.owner = after["owner"] = changes["owner"]
        update_fields.append("owner")
    for name in PASSWORDS:
        if name in changes:
            password = changes[name] or ""
            setattr(mailbox, f"{name}_encrypted", _encrypted(password))
            update_fields.append(f"{name}_encrypted")
            before[name] = "old"
            after[name] = "new" if password else ""
    if update_fields:
        mailbox.save(update_fields=[*update_fields, "updated_at"])
    audit.record_update(actor, mailbox, before, after)
    return mailbox


@transaction.atomic
def mailbox_delete(*, mailbox: Mailbox, actor: Actor) -> None:
    """Delete a mailbox; the messages it sent stay, without it."""
    _require_manage(actor, mailbox.owner_id)
    audit.record_delete(actor, mailbox)
    mailbox.delete()


# --- the test message ---------------------------------------------------------------------


@dataclass(frozen=True)
class TestSent:
    """A test message and what came of it: `delivered` is whether it left this machine."""

    message: Message
    delivered: bool
    code: int | None
    answer: str


def sender_of(mailbox: Mailbox) -> composition.Sender:
    return composition.Sender(
        email=mailbox.from_email, name=mailbox.from_name, signature=mailbox.signature
    )


def dkim_signer_for(*, workspace_id: int, domain: str) -> composition.DkimSigner | None:
    """The workspace's DKIM key when it is for `domain` (None: messages go unsigned)."""
    key = DkimKey._base_manager.filter(workspace_id=workspace_id, domain=domain.lower()).first()
    if key is None:
        return None
    try:
        private_key = crypto.decrypt(DKIM_PURPOSE, key.private_key_encrypted)
    except crypto.InvalidToken:
        return None
    return composition.DkimSigner(
        domain=key.domain, selector=key.selector, private_key=private_key.encode()
    )


def mailbox_send_test(*, mailbox: Mailbox, actor: Actor) -> TestSent:
    """Send one message to the mailbox owner's address through the mailbox, record it as a
    message, and answer what the server said. A local mailbox builds and stores it only."""
    _require_manage(actor, mailbox.owner_id)
    to = (mailbox.owner.email or "").strip()
    if not to:
        raise Conflict(
            f"{mailbox.owner.get_username()} has no email address to send the test to: "
            "add one to the user first."
        )
    sender = sender_of(mailbox)
    who = mailbox.from_name or mailbox.from_email
    built = composition.compose(
        sender=sender,
        to=to,
        subject=f"Test message from {mailbox.name}",
        body=(
            f"This is a test message from the mailbox “{mailbox.name}” in Outreach.\n"
            f"If you can read it, messages sent as {who} reach their recipients."
        ),
        dkim_signer=dkim_signer_for(workspace_id=mailbox.workspace_id, domain=mailbox.domain),
    )
    server = smtp_settings(mailbox) if mailbox.kind == MailboxKind.SMTP else None
    message = Message.objects.create(
        workspace_id=mailbox.workspace_id,
        mailbox=mailbox,
        to=to,
        subject=built.subject,
        body=built.text,
        message_id=built.message_id,
        status=MessageStatus.SENDING,
        raw=built.raw,
    )
    try:
        result = transports.send(
            kind=mailbox.kind,
            server=server,
            sender=mailbox.from_email,
            recipients=[to],
            raw=built.raw,
        )
    except transports.SendFailed as exc:
        _finish(message, MessageStatus.FAILED, exc.answer)
        error = LoginRefused if exc.reason == "login" else ServerUnavailable
        raise error(_why(exc, mailbox), answer=exc.answer, code=exc.code) from None
    _finish(message, MessageStatus.SENT, result.answer, sent_at=timezone.now())
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=mailbox,
        changes={"test_message": [None, message.public_id]},
    )
    return TestSent(message, result.delivered, result.code, result.answer)


def _finish(message: Message, status: str, answer: str, sent_at=None) -> None:
    message.status = status
    message.server_answer = answer[:1000]
    message.sent_at = sent_at
    message.save(update_fields=["status", "server_answer", "sent_at", "updated_at"])


def _why(exc: transports.SendFailed, mailbox: Mailbox) -> str:
    where = f"{mailbox.smtp_host}:{mailbox.smtp_port}"
    if exc.reason == "login":
        return f"The server {where} refused the login of {mailbox.smtp_username}: {exc.answer}"
    if exc.reason == "refused":
        return f"The server {where} refused the message: {exc.answer}"
    return f"The message could not be sent: {exc.answer}"


# --- DKIM ---------------------------------------------------------------------------------


@transaction.atomic
def dkim_key_set(
    *, actor: Actor, domain: str, selector: str, private_key: str, workspace=None
) -> DkimKey:
    """Set the workspace's DKIM key (admins): messages from its domain are signed with it."""
    require(actor, Permission.ADMINISTER, "manage the DKIM key")
    domain = (domain or "").strip().lower()
    selector = (selector or "").strip()
    if not domain or not _HOST.match(domain):
        raise InvalidInput("Not a domain name.", field="domain")
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?", selector):
        raise InvalidInput("Letters, digits, dots and dashes.", field="selector")
    if "PRIVATE KEY-----" not in (private_key or ""):
        raise InvalidInput(
            "A PEM private key (-----BEGIN … PRIVATE KEY-----).", field="private_key"
        )
    try:
        loaded = serialization.load_pem_private_key(private_key.strip().encode(), password=None)
    except (ValueError, TypeError):
        loaded = None
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise InvalidInput(
            "Not a readable RSA private key (PEM, without a passphrase).", field="private_key"
        )
    workspace_id = workspace_for_create(actor, workspace)
    key, made = DkimKey._base_manager.update_or_create(
        workspace_id=workspace_id,
        defaults={
            "domain": domain,
            "selector": selector,
            "private_key_encrypted": crypto.encrypt(DKIM_PURPOSE, private_key.strip()),
        },
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE if made else AuditAction.UPDATE,
        obj=key,
        object_type="dkim_key",
        object_id=str(key),
        changes={"domain": [None, domain], "selector": [None, selector]},
    )
    return key


def dkim_key_generate(*, actor: Actor, domain: str, selector: str, workspace=None) -> DkimKey:
    """Make a new 2048-bit RSA key for the workspace (admins); its DNS record is
    `dkim_dns_record`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return dkim_key_set(
        actor=actor, domain=domain, selector=selector, private_key=pem, workspace=workspace
    )


def dkim_dns_record(key: DkimKey) -> dict[str, str]:
    """The TXT record that publishes the key's public half: its name and its value."""
    name = f"{key.selector}._domainkey.{key.domain}"
    try:
        pem = crypto.decrypt(DKIM_PURPOSE, key.private_key_encrypted)
    except crypto.InvalidToken:
        return {"name": name, "value": "", "problem": "The key cannot be decrypted: set it again."}
    public = serialization.load_pem_private_key(pem.encode(), password=None).public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {"name": name, "value": f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"}
