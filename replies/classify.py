"""What an inbound message is: the one module that reads a raw message and decides.

`parse` reads the bytes (headers, the text, the text without quoted history, a bounce's
report); `classify` walks RULES, top to bottom, and the first rule that holds decides. Matching
the message to what we sent (replies/matching.py) is asked only by the last rules: a bounce, an
automatic answer or a request to be removed is what it is whoever it came from.

    rule                                               classification
    -------------------------------------------------  --------------
    a delivery status report (RFC 3464)                bounce
    a mail server's bounce in plain text               bounce
      (Postfix, Exim, Gmail, Microsoft 365, Sendmail, qmail)
    Auto-Submitted other than "no" (RFC 3834)          auto_reply
    X-Autoreply or X-Autorespond                       auto_reply
    Precedence: auto_reply, bulk or junk               auto_reply
    an out-of-office phrase (7 languages)              auto_reply
    a request to be removed (7 languages)              unsubscribe
    answers a message we sent (In-Reply-To/References) reply
    from a person with a running outreach              reply
    anything else                                      unmatched

A bounce is hard when its status is 5.x.x (or the server says the address does not exist) and
soft when it is 4.x.x or delayed. An automatic answer's return date is read from its text
(dateparser) when it names one.
"""

import datetime
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from dateparser.search import search_dates
from mailparser_reply import EmailReplyParser

from sending.composition import html_to_text

from .choices import MAX_ADDRESS, MAX_HEADER, MAX_SUBJECT, BounceKind, Classification

# The languages of the phrases below (ISO 639-1), also those the quoted-history parser reads.
LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl")
# How much of a message's text the phrase rules read: answers say it at the top.
PHRASE_WINDOW = 3000


def _any(*phrases: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{phrase})" for phrase in phrases), re.IGNORECASE)


# --- the phrases --------------------------------------------------------------------------

OUT_OF_OFFICE = _any(
    # English
    r"\bout of (?:the )?office\b",
    r"\bout-of-office\b",
    r"\bautomatic reply\b",
    r"\bauto-?reply\b",
    r"\bon (?:annual |parental |maternity |paternity |sick )?leave\b",
    r"\b(?:i am|i'm|i’m) (?:currently )?(?:away|on vacation|on holiday|travelling|traveling|out)\b",
    r"\baway from (?:my desk|the office)\b",
    r"\blimited access to (?:my )?e-?mail\b",
    r"\b(?:i will|i'll|i’ll) (?:be )?(?:back|return)\b",
    # German
    r"\babwesenheitsnotiz\b",
    r"\bautomatische antwort\b",
    r"\bnicht im büro\b",
    r"\bau(?:ß|ss)er haus\b",
    r"\b(?:im|in) urlaub\b",
    r"\bbin (?:derzeit |zurzeit |momentan )?(?:nicht erreichbar|abwesend)\b",
    r"\bwieder im büro\b",
    r"\b(?:bin|ab) .{0,40}\bwieder (?:da|erreichbar|zurück)\b",
    # French
    r"\babsente? du bureau\b",
    r"\bréponse automatique\b",
    r"\bmessage d'absence\b",
    r"\bje suis (?:actuellement )?(?:absente?|en congés?|en vacances)\b",
    r"\bde retour le\b",
    r"\bhors du bureau\b",
    # Spanish
    r"\bfuera de (?:la )?oficina\b",
    r"\brespuesta automática\b",
    r"\bestoy (?:de vacaciones|ausente|fuera)\b",
    r"\bestaré de (?:vuelta|regreso)\b",
    r"\b(?:regresaré|volveré)\b",
    # Portuguese
    r"\bfora do escritório\b",
    r"\bresposta automática\b",
    r"\bestou (?:de férias|ausente|fora)\b",
    r"\bestarei de volta\b",
    r"\bretorno (?:em|no dia|a)\b",
    # Italian
    r"\bfuori (?:ufficio|sede)\b",
    r"\brisposta automatica\b",
    r"\bsono (?:in ferie|assente|fuori)\b",
    r"\bsarò di ritorno\b",
    r"\brientrerò\b",
    # Dutch
    r"\bautomatisch antwoord\b",
    r"\bafwezigheidsbericht\b",
    r"\bbuiten kantoor\b",
    r"\bben (?:momenteel |op dit moment )?(?:afwezig|op vakantie|met vakantie|niet aanwezig)\b",
    r"\bweer (?:terug|aanwezig|op kantoor)\b",
)

# Said anywhere in the reply (never in the quoted history below it).
UNSUBSCRIBE = _any(
    # English
    r"\bunsubscribe\b",
    r"\bremove me\b",
    r"\btake me off\b",
    r"\bopt(?: me)? out\b",
    r"\b(?:stop|quit) (?:e-?mailing|emailing|sending|contacting|writing to) me\b",
    r"\b(?:do not|don't|don’t) (?:e-?mail|contact|write to) me\b",
    # German
    r"\babmelden\b",
    r"\babbestellen\b",
    r"\b(?:bitte )?(?:austragen|entfernen sie mich)\b",
    r"\bkeine (?:weiteren )?(?:e-?mails|nachrichten|mails) mehr\b",
    # French
    r"\bdésabonne",
    r"\bdésinscri",
    r"\b(?:retirez|supprimez|enlevez)[- ]moi\b",
    r"\bne (?:plus|me) (?:recevoir|contactez plus|écrivez plus)\b",
    # Spanish
    r"\bdar(?:me)? de baja\b",
    r"\bcancelar (?:la |mi )?suscripción\b",
    r"\b(?:elimínenme|eliminadme|quítenme|quitadme|bórrenme)\b",
    r"\bno me (?:escriban?|contacten?) más\b",
    # Portuguese
    r"\bdescadastr",
    r"\bcancelar (?:a |minha )?inscrição\b",
    r"\b(?:me remova|remova-me|removam-me)\b",
    r"\bnão (?:me )?(?:enviem?|mandem?|contactem?) mais\b",
    # Italian
    r"\bdisiscriv",
    r"\bcancellami\b",
    r"\b(?:rimuovetemi|rimuovimi|toglietemi)\b",
    r"\bnon (?:scrivetemi|contattatemi|mandatemi) più\b",
    # Dutch
    r"\bafmelden\b",
    r"\buitschrijven\b",
    r"\b(?:verwijder|haal) (?:mij|me)\b",
    r"\bgeen (?:e-?mails|mails|berichten) meer\b",
)
# A whole reply of a few words with one of these ("STOP", "Stopp bitte", "baja") asks the same.
UNSUBSCRIBE_WORDS = {
    "stop",
    "stopp",
    "arrêt",
    "arrêter",
    "arrête",
    "arrêtez",
    "basta",
    "baja",
    "pare",
    "parar",
    "remove",
    "unsubscribe",
    "stoppen",
    "halt",
}
SHORT_REPLY_WORDS = 6

# Sentences around a return date, where the date is looked for, by the language of the words
# that say it: the date is then read in those languages alone (reading all seven costs dateparser
# a language guess per sentence, the most of a classification's time).
RETURN_HINTS = {
    "en": _any(r"\bback\b", r"\breturn", r"\buntil\b", r"\btill\b"),
    "de": _any(r"\bwieder\b", r"\bbis\b", r"\bzurück\b", r"\bab\b"),
    "fr": _any(r"\bretour\b", r"\bjusqu", r"\bà partir\b"),
    "es": _any(r"\bhasta\b", r"\bvuelta\b", r"\bregres", r"\bvolver", r"\ba partir\b"),
    "pt": _any(r"\baté\b", r"\bvolta\b", r"\bretorn", r"\bregress", r"\ba partir\b"),
    "it": _any(r"\bfino al", r"\britorno\b", r"\brientr", r"\bdal\b"),
    "nl": _any(r"\bterug\b", r"\btot\b", r"\bvanaf\b"),
}


def return_hint_languages(sentence: str) -> list[str]:
    """The languages whose words for coming back the sentence uses (empty: none)."""
    return [language for language, hint in RETURN_HINTS.items() if hint.search(sentence)]


# --- bounces in plain text ----------------------------------------------------------------

BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
BOUNCE_SUBJECT = _any(
    r"^undelivered mail returned to sender",  # Postfix
    r"^mail delivery failed",  # Exim
    r"^delivery status notification \((?:failure|delay)\)",  # Gmail
    r"^undeliverable:",  # Microsoft 365 / Exchange
    r"^unzustellbar:",  # Exchange, German
    r"^non remis\s?:",  # Exchange, French
    r"^delivery has failed",
    r"^returned mail:",  # Sendmail
    r"^failure notice",  # qmail, Yahoo
    r"^undeliverable mail",
    r"^mail delivery (?:subsystem|failure)",
    r"^delayed mail",
)
ENHANCED_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
SMTP_REPLY = re.compile(r"(?<!\d)([45])\d\d(?:[ -]|$)", re.MULTILINE)
SOFT_WORDS = _any(
    r"\bdelayed\b",
    r"\bwill (?:keep trying|retry|try again)\b",
    r"\bstill trying\b",
    r"\btemporar(?:y|ily)\b",
    r"\bhas not yet been delivered\b",
    r"\bmailbox (?:is )?full\b",
    r"\bover quota\b",
)
HARD_WORDS = _any(
    r"\bpermanent(?:ly)? (?:error|failure|fatal)",
    r"\bdoes(?:n't| not) exist\b",
    r"\buser unknown\b",
    r"\bno such (?:user|mailbox|recipient)\b",
    r"\baddress not found\b",
    r"\brecipient ?not ?found\b",
    r"\bcouldn't be delivered\b",
    r"\bunknown (?:user|recipient)\b",
    r"\bmailbox unavailable\b",
)
FAILED_RECIPIENT = (
    # Postfix: "<bob@example.org>: host mx.example.org[…] said: 550 …"
    re.compile(r"^<([^<>\s@]+@[^<>\s]+)>:", re.MULTILINE),
    # Exim: "  bob@example.org\n    host … SMTP error …"
    re.compile(r"following address(?:\(es\))? failed:\s*\n\s*<?([^<>\s@]+@[^<>\s]+?)>?\s*$", re.M),
    # Gmail: "Your message wasn't delivered to bob@example.org because …"
    re.compile(
        r"(?:wasn't|was not|couldn't be|could not be) delivered to <?([^<>\s@]+@[^<>\s]+?)>?[\s,.]"
    ),
    # Exchange: "Delivery has failed to these recipients or groups:\n\nbob@example.org"
    re.compile(r"recipients or groups:\s*\n\s*<?([^<>\s@]+@[^<>\s]+?)>?\s*$", re.M),
    # Microsoft 365: "Your message to bob@example.org couldn't be delivered."
    re.compile(r"message to <?([^<>\s@]+@[^<>\s]+?)>? couldn't be delivered"),
)
INLINE_MESSAGE_ID = re.compile(r"^\s*Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


# --- the parsed message -------------------------------------------------------------------


@dataclass(frozen=True)
class Bounce:
    """What a bounce says: hard or soft, the status code, whom it failed for, and the
    Message-ID of the message that failed (when it came back with it)."""

    kind: str
    status: str = ""
    recipient: str = ""
    original_message_id: str = ""


@dataclass
class Parsed:
    """The parts of a message the rules and the store read."""

    message: EmailMessage
    from_address: str = ""
    from_name: str = ""
    to: str = ""
    subject: str = ""
    date: datetime.datetime | None = None
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    text: str = ""  # the whole text
    reply_text: str = ""  # without quoted history
    fingerprint: str = ""

    def header(self, name: str) -> str:
        return _header(self.message, name)

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this message answers, the nearest first."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [ref for ref in reversed(self.references) if ref not in ids]
        return ids

    @property
    def phrase_text(self) -> str:
        """What the phrase rules read: the subject and the top of the reply."""
        body = self.reply_text or self.text
        return f"{self.subject}\n{body[:PHRASE_WINDOW]}"


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot make sense of is read as it came
        value = message.get_all(name, failobj=[""])[0] if hasattr(message, "get_all") else ""
    return " ".join(str(value or "").split())


def _message_ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _date(message: EmailMessage) -> datetime.datetime | None:
    try:
        value = message.get("Date")
        when = value.datetime if value is not None else None
    except Exception:
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when


def _text_parts(message: Message):
    """The message's own text parts, not those of messages attached to it."""
    if message.is_multipart():
        if message.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            return
        for part in message.iter_parts() if hasattr(message, "iter_parts") else []:
            if part.get_content_type() in ("message/rfc822", "message/delivery-status"):
                continue
            yield from _text_parts(part)
    elif message.get_content_maintype() == "text":
        yield message


def _content(part: Message) -> str:
    try:
        return part.get_content()
    except Exception:  # an unknown charset or broken transfer encoding: read what there is
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def body_text(message: EmailMessage) -> str:
    """The text a person reads: the first text/plain part, else the first HTML part as text."""
    parts = list(_text_parts(message))
    for part in parts:
        if part.get_content_type() == "text/plain":
            return _content(part).replace("\r\n", "\n").strip()
    for part in parts:
        if part.get_content_type() == "text/html":
            return html_to_text(_content(part))
    return ""


_REPLY_PARSER = EmailReplyParser(languages=list(LANGUAGES))
# Portuguese is not among the parser's languages: its "On … wrote:" line is cut here.
_PORTUGUESE_HEADER = re.compile(r"^\s*(?:Em|No dia) .{4,200}escreveu:\s*$", re.M | re.I)
_QUOTED_TAIL = re.compile(r"(?:\n>.*)+\s*$")
# The line that introduces a quote ("On … wrote:"), left above an inline answer.
_ATTRIBUTION = re.compile(
    r"^\s*(?:On|Am|Le|El|Em|Il|Op) .{4,200}(?:wrote|schrieb|a écrit|escribió|escreveu|"
    r"ha scritto|schreef)\s?:\s*$",
    re.I,
)


def strip_quoted(text: str) -> str:
    """The text without the quoted history below (or interleaved with) the answer."""
    if not text:
        return ""
    cut = _PORTUGUESE_HEADER.search(text)
    if cut:
        text = text[: cut.start()]
    try:
        reply = _REPLY_PARSER.parse_reply(text=text)
    except Exception:  # the parser's regular expressions on unusual text: keep it whole
        reply = text
    reply = _QUOTED_TAIL.sub("", reply or "")
    # Inline answers keep their own lines and lose the quoted ones between them.
    lines = [
        line
        for line in reply.splitlines()
        if not line.lstrip().startswith(">") and not _ATTRIBUTION.match(line)
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _HeadersParsedOnce:
    """The email package's header factory, remembering what it made for one message: its
    policy parses a header again on every read, and the rules read the same few (Content-Type
    above all) many times."""

    def __init__(self) -> None:
        self._make = policy.default.header_factory
        self._made: dict[tuple[str, str], object] = {}

    def __call__(self, name: str, value: str):
        key = (name.lower(), value)
        if key not in self._made:
            self._made[key] = self._make(name, value)
        return self._made[key]


def parse(raw: bytes) -> Parsed:
    """Read a raw RFC 5322 message; never fails (what cannot be read stays empty)."""
    reading = policy.default.clone(header_factory=_HeadersParsedOnce())
    message = BytesParser(policy=reading).parsebytes(raw)
    name, address = parseaddr(_header(message, "From"))
    recipients = getaddresses([_header(message, "To")])
    message_id = (_message_ids(_header(message, "Message-ID")) or [""])[0]
    text = body_text(message)
    parsed = Parsed(
        message=message,
        from_address=address.strip().lower()[:MAX_ADDRESS],
        from_name=name.strip()[:200],
        to=", ".join(addr for _name, addr in recipients if addr)[:MAX_HEADER],
        subject=_header(message, "Subject")[:MAX_SUBJECT],
        date=_date(message),
        message_id=message_id[:MAX_SUBJECT],
        in_reply_to=(_message_ids(_header(message, "In-Reply-To")) or [""])[0][:MAX_SUBJECT],
        references=_message_ids(_header(message, "References")),
        text=text,
        reply_text=strip_quoted(text),
    )
    parsed.fingerprint = message_id[:MAX_SUBJECT] or ("sha256:" + hashlib.sha256(raw).hexdigest())
    return parsed


# --- bounces --------------------------------------------------------------------------------


def _kind_of(status: str, text: str) -> str:
    if status.startswith("5"):
        return BounceKind.HARD
    if status.startswith("4"):
        return BounceKind.SOFT
    if SOFT_WORDS.search(text):
        return BounceKind.SOFT
    return BounceKind.HARD if HARD_WORDS.search(text) else BounceKind.SOFT


def _address_of(value: str) -> str:
    # "rfc822; bob@example.org" (RFC 3464) or a bare address.
    address = value.split(";", 1)[-1].strip().strip("<>").strip()
    return address.lower()[:MAX_ADDRESS] if "@" in address else ""


def _returned_message_id(message: Message) -> str:
    """The Message-ID of the message a bounce returns: in its attached copy or headers."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else payload
            if isinstance(inner, Message):
                found = _message_ids(_header(inner, "Message-ID"))
                if found:
                    return found[0]
        elif kind == "text/rfc822-headers":
            found = INLINE_MESSAGE_ID.search(_content(part))
            if found:
                return found.group(1)
    return ""


def delivery_status_report(parsed: Parsed) -> Bounce | None:
    """RFC 3464: multipart/report; report-type=delivery-status, one block per recipient."""
    message = parsed.message
    if message.get_content_type() != "multipart/report":
        return None
    if message.get_param("report-type", "").lower() != "delivery-status":
        return None
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        blocks = blocks if isinstance(blocks, list) else []
        for block in blocks[1:] or blocks:  # the first block is about the message
            action = _header(block, "Action").lower()
            status = (ENHANCED_STATUS.search(_header(block, "Status")) or [""])[0]
            if action in ("delivered", "relayed", "expanded"):
                continue  # a success notice, not a bounce
            if not action and not status:
                continue
            if action == "delayed" and not status.startswith("5"):
                kind = BounceKind.SOFT
            else:
                kind = _kind_of(status, _header(block, "Diagnostic-Code"))
            recipient = _address_of(
                _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
            )
            return Bounce(
                kind=kind,
                status=status,
                recipient=recipient,
                original_message_id=_returned_message_id(message),
            )
    return None


def plain_bounce(parsed: Parsed) -> Bounce | None:
    """A mail server's bounce without a machine-readable report (Exim, qmail, Gmail's and
    Microsoft's human-readable notices, Postfix's text): known senders and subjects, the
    status read from the text."""
    from_daemon = bool(BOUNCE_SENDER.match(parsed.from_address)) or (
        "mail delivery" in parsed.from_name.lower()
    )
    if not (from_daemon or BOUNCE_SUBJECT.search(parsed.subject)):
        return None
    if parsed.header("Auto-Submitted").lower() == "no":
        return None
    text = parsed.text
    found = ENHANCED_STATUS.search(text)
    status = found.group(0) if found else ""
    if not status:
        reply = SMTP_REPLY.search(text)
        status = f"{reply.group(1)}.0.0" if reply else ""
    if status and status[0] == "2":
        status = ""
    recipient = _address_of(parsed.header("X-Failed-Recipients").split(",")[0])
    for pattern in FAILED_RECIPIENT:
        if recipient:
            break
        match = pattern.search(text)
        recipient = _address_of(match.group(1)) if match else ""
    original = _returned_message_id(parsed.message)
    if not original:
        # Exim and qmail paste the returned message below their text.
        ids = INLINE_MESSAGE_ID.findall(text)
        original = next((found for found in ids if found != parsed.message_id), "")
    subject = parsed.subject.lower()
    kind = (
        BounceKind.SOFT
        if "(delay)" in subject or "delayed" in subject
        else _kind_of(status, f"{subject}\n{text}")
    )
    return Bounce(kind=kind, status=status, recipient=recipient, original_message_id=original)


# --- automatic answers --------------------------------------------------------------------


def auto_submitted(parsed: Parsed) -> bool:
    value = parsed.header("Auto-Submitted").lower()
    return bool(value) and value.split(";")[0].strip() != "no"


def autoreply_header(parsed: Parsed) -> bool:
    return any(parsed.header(name) for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"))


def bulk_precedence(parsed: Parsed) -> bool:
    return parsed.header("Precedence").lower() in ("auto_reply", "bulk", "junk")


def out_of_office(parsed: Parsed) -> bool:
    return bool(OUT_OF_OFFICE.search(parsed.phrase_text))


# --- requests to be removed ---------------------------------------------------------------


def asks_to_unsubscribe(parsed: Parsed) -> bool:
    if parsed.subject.strip().lower() in ("unsubscribe", "remove", "stop"):
        return True  # our List-Unsubscribe mailto writes this subject
    reply = parsed.reply_text or ""
    if UNSUBSCRIBE.search(reply[:PHRASE_WINDOW]):
        return True
    words = re.findall(r"[\wÀ-ÿ]+", reply.lower())
    return 0 < len(words) <= SHORT_REPLY_WORDS and bool(UNSUBSCRIBE_WORDS & set(words))


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Matched:
    """What matching found (replies/matching.py): by the thread, or by the sender."""

    outreach_id: int | None = None
    person_id: int | None = None
    by: str = ""  # "thread", "sender", "recipient" or "" (nothing)


THREAD, SENDER = "thread", "sender"


@dataclass(frozen=True)
class Rule:
    name: str
    classification: str
    holds: Callable[[Parsed, Matched], object]


RULES: tuple[Rule, ...] = (
    Rule("a delivery status report (RFC 3464)", Classification.BOUNCE,
         lambda p, m: delivery_status_report(p)),
    Rule("a mail server's bounce in plain text", Classification.BOUNCE,
         lambda p, m: plain_bounce(p)),
    Rule("Auto-Submitted other than no (RFC 3834)", Classification.AUTO_REPLY,
         lambda p, m: auto_submitted(p)),
    Rule("X-Autoreply or X-Autorespond", Classification.AUTO_REPLY,
         lambda p, m: autoreply_header(p)),
    Rule("Precedence auto_reply, bulk or junk", Classification.AUTO_REPLY,
         lambda p, m: bulk_precedence(p)),
    Rule("an out-of-office phrase", Classification.AUTO_REPLY,
         lambda p, m: out_of_office(p)),
    Rule("a request to be removed", Classification.UNSUBSCRIBE,
         lambda p, m: asks_to_unsubscribe(p)),
    Rule("answers a message we sent", Classification.REPLY,
         lambda p, m: m.by == THREAD),
    Rule("from a person with a running outreach", Classification.REPLY,
         lambda p, m: m.by == SENDER),
)  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    classification: str
    rule: str = "nothing else held"
    bounce: Bounce | None = None
    returns_at: datetime.datetime | None = None


def classify(parsed: Parsed, matched: Matched) -> Verdict:
    """The first rule of RULES that holds decides; none: unmatched."""
    for rule in RULES:
        found = rule.holds(parsed, matched)
        if not found:
            continue
        if rule.classification == Classification.BOUNCE:
            return Verdict(rule.classification, rule.name, bounce=found)
        if rule.classification == Classification.AUTO_REPLY:
            return Verdict(rule.classification, rule.name, returns_at=return_date(parsed))
        return Verdict(rule.classification, rule.name)
    return Verdict(Classification.UNMATCHED)


def bounce_of(parsed: Parsed) -> Bounce | None:
    """The bounce, when the message is one (matching needs it before classifying)."""
    return delivery_status_report(parsed) or plain_bounce(parsed)


# --- return dates ---------------------------------------------------------------------------

_SENTENCES = re.compile(r"(?<=[.!?\n])\s+")
_DATE_SETTINGS = {"PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": False}
# Words dateparser would read as dates on their own ("Je" is jeudi): a date needs a digit.
_HAS_DIGIT = re.compile(r"\d")
_PORTUGUESE_DAY = re.compile(r"\bno dia\b|\bdia\b", re.I)


def return_date(parsed: Parsed) -> datetime.datetime | None:
    """The latest date after the message's own, in a sentence that speaks of coming back
    ("back on", "bis", "jusqu'au", "hasta el", …); None when the text names none."""
    base = (parsed.date or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    base = base.replace(tzinfo=None)
    text = f"{parsed.subject}\n{(parsed.reply_text or parsed.text)[:PHRASE_WINDOW]}"
    found: list[datetime.datetime] = []
    for sentence in _SENTENCES.split(text):
        languages = return_hint_languages(sentence)
        if not languages or not _HAS_DIGIT.search(sentence):
            continue
        sentence = _PORTUGUESE_DAY.sub(" ", sentence)
        try:
            dates = search_dates(
                sentence,
                languages=languages,
                settings={**_DATE_SETTINGS, "RELATIVE_BASE": base},
            )
        except Exception:  # dateparser on odd text: no date rather than no message
            dates = None
        for words, when in dates or []:
            if _HAS_DIGIT.search(words) and when > base:
                found.append(when)
    if not found:
        return None
    return max(found).replace(tzinfo=datetime.UTC)
