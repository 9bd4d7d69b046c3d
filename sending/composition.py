"""Building a message: the one module that turns a mailbox, a recipient and a text into the
exact RFC 5322 bytes that are sent (and stored).

Python's `email` package writes the message: `From` with the mailbox's name, a `Message-ID` on
the mailbox's domain, a text part and, when the body is HTML, a sanitised HTML part
(core.html), the mailbox's signature, RFC 8058 one-click unsubscribe headers for sequence
messages, `In-Reply-To`/`References` for a reply in a thread, and a DKIM signature when the
workspace has a key (dkimpy).
"""

import datetime
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import dkim
import nh3
from django.conf import settings
from django.core import signing
from django.utils.html import escape, linebreaks

from core.html import sanitize_html

from . import templating

UNSUBSCRIBE_SALT = "sending.unsubscribe"
# Headers the DKIM signature covers (RFC 8058 wants both List-Unsubscribe headers signed).
DKIM_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"In-Reply-To",
    b"References",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
)
# SMTP's line ends, and header lines up to RFC 5322's hard limit: a List-Unsubscribe URL is
# longer than the 78 characters lines should keep to, and folding it would encode it (RFC 2047),
# which mail programs do not read as a link.
MESSAGE_POLICY = policy.SMTP.clone(max_line_length=998)
_BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|tr|blockquote|table|ul|ol)\s*>|<br\s*/?>", re.I)


@dataclass(frozen=True)
class Sender:
    """Who a message is from: a mailbox's address, name and signature."""

    email: str
    name: str = ""
    signature: str = ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2].lower()


@dataclass(frozen=True)
class Thread:
    """The message a reply answers: its Message-ID, subject and the ids before it."""

    message_id: str
    subject: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class DkimSigner:
    domain: str
    selector: str
    private_key: bytes  # PEM


@dataclass(frozen=True)
class Unsubscribe:
    """Where a recipient opts out: a signed one-click link and a mailto."""

    url: str
    mailto: str

    def header(self) -> str:
        return f"<{self.url}>, <mailto:{self.mailto}?subject=unsubscribe>"


@dataclass
class Composed:
    raw: bytes
    message_id: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


# --- unsubscribe tokens -------------------------------------------------------------------


def unsubscribe_token(*, workspace_id: int, person_id: int | None, outreach_id: int | None) -> str:
    """A signed token naming the workspace, the person and the outreach (not guessable, not
    changeable); `PUBLIC_URL/u/<token>` opts the person out."""
    return signing.dumps(
        {"w": workspace_id, "p": person_id, "o": outreach_id}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def read_unsubscribe_token(token: str) -> dict:
    """`{"workspace_id", "person_id", "outreach_id"}`; signing.BadSignature when forged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return {"workspace_id": data["w"], "person_id": data["p"], "outreach_id": data["o"]}


def unsubscribe_for(*, sender: Sender, token: str) -> Unsubscribe:
    base = settings.PUBLIC_URL.rstrip("/")
    return Unsubscribe(url=f"{base}/u/{token}", mailto=sender.email)


# --- templates ----------------------------------------------------------------------------


def template_context(
    *,
    first_name: str = "",
    last_name: str = "",
    title: str = "",
    company: str = "",
    sender_name: str = "",
) -> dict[str, str]:
    """The values a step template may read (sending.templating.VARIABLES)."""
    return {
        "first_name": first_name,
        "last_name": last_name,
        "full_name": " ".join(part for part in (first_name, last_name) if part),
        "title": title,
        "company": company,
        "sender_name": sender_name,
        "sender_first_name": sender_name.split()[0] if sender_name.split() else "",
    }


def render_step(
    subject_template: str, body_template: str, context: dict[str, str]
) -> tuple[str, str]:
    """A step's subject and body for one recipient (an HTML body gets escaped values)."""
    subject = templating.render(subject_template, context)
    body = templating.render(body_template, context, html=templating.is_html(body_template))
    return " ".join(subject.split()), body


# --- the message --------------------------------------------------------------------------


def html_to_text(html: str) -> str:
    """A readable text version of an HTML body: block ends become line breaks, tags go."""
    marked = _BLOCK_END.sub(lambda m: m.group(0) + "\n", html)
    text = nh3.clean(marked, tags=set(), strip_comments=True)
    text = text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">")
    text = text.replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&")
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def reply_subject(subject: str, thread: Thread | None) -> str:
    """An empty subject in a thread answers it: `Re: <previous subject>` (once)."""
    if subject.strip() or thread is None:
        return subject.strip()
    previous = thread.subject.strip()
    return previous if previous.lower().startswith("re:") else f"Re: {previous}"


def compose(
    *,
    sender: Sender,
    to: str,
    subject: str,
    body: str,
    thread: Thread | None = None,
    unsubscribe: Unsubscribe | None = None,
    dkim_signer: DkimSigner | None = None,
    date: datetime.datetime | None = None,
    message_id: str | None = None,
) -> Composed:
    """The message as sent: headers, a text part (and an HTML part for an HTML body), signed
    with DKIM when a signer is given."""
    subject = reply_subject(subject, thread)
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = Address(display_name=sender.name, addr_spec=sender.email)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or datetime.datetime.now(datetime.UTC))
    message_id = message_id or make_msgid(domain=sender.domain)
    message["Message-ID"] = message_id
    if thread is not None:
        message["In-Reply-To"] = thread.message_id
        message["References"] = " ".join([*thread.references, thread.message_id])
    if unsubscribe is not None:
        message["List-Unsubscribe"] = unsubscribe.header()
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    html = None
    if templating.is_html(body):
        html = str(sanitize_html(body))
        text = html_to_text(html)
        if sender.signature:
            html += f"<p>-- </p>{linebreaks(escape(sender.signature.strip()))}"
    else:
        text = body.strip()
    if sender.signature:
        # "-- " on a line of its own: mail programs know what follows is a signature.
        text += f"\n\n-- \n{sender.signature.strip()}"
    message.set_content(text + "\n")
    if html is not None:
        message.add_alternative(
            f"<!DOCTYPE html><html><body>{html}</body></html>\n", subtype="html"
        )

    raw = message.as_bytes()
    if dkim_signer is not None:
        raw = sign(raw, dkim_signer)
    return Composed(
        raw=raw,
        message_id=message_id,
        subject=subject,
        text=text,
        html=html,
        headers={name: str(value) for name, value in message.items()},
    )


def sign(raw: bytes, signer: DkimSigner) -> bytes:
    """`raw` with a DKIM-Signature header in front (relaxed/relaxed, rsa-sha256)."""
    signature = dkim.sign(
        raw,
        signer.selector.encode(),
        signer.domain.encode(),
        signer.private_key,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=list(DKIM_HEADERS),
    )
    return signature + raw
