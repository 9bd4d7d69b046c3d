"""The built-in provider: works offline from what the database already knows.

It normalises and checks the details on the person (email syntax without DNS, phone to E.164 in
`settings.PHONE_DEFAULT_REGION`, LinkedIn/Facebook links to one canonical form) and infers a
missing email from the company's domain and the address pattern of colleagues there.
"""

from collections import OrderedDict

from django.conf import settings
from django.db import connection
from django.db.models import BigIntegerField, CharField, Count, Func, Sum, Value
from django.db.models.functions import Concat

from contacts.models import Person
from contacts.normalize import (
    InvalidContactDetail,
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_profile_url,
)

from .patterns import DomainPattern, guess_address, learn
from .providers import Contact, Detail, EnrichmentProvider, Findings, Found, Missing

_NETWORK_LABEL = {"linkedin": "LinkedIn profile link", "facebook": "Facebook profile link"}


class LocalProvider(EnrichmentProvider):
    name = "local"

    def __init__(self) -> None:
        self.min_confidence = settings.ENRICHMENT_MIN_CONFIDENCE
        self.region = settings.PHONE_DEFAULT_REGION

    def enrich(self, contacts: list[Contact]) -> dict[int, Findings]:
        to_infer = [c for c in contacts if not c.email.strip()]
        patterns = self._learn_domains(
            {c.company_domain for c in to_infer if _domain(c.company_domain)}
        )
        return {
            c.person_id: Findings(
                email=self._email(c, patterns),
                phone=self._phone(c),
                linkedin_url=self._profile(c.linkedin_url, "linkedin"),
                facebook_url=self._profile(c.facebook_url, "facebook"),
            )
            for c in contacts
        }

    def _learn_domains(self, stored_domains: set[str]) -> dict[str, DomainPattern]:
        """What the colleagues at the domains a chunk needs show: those with a given address.

        Bounced and inferred addresses are no evidence: a guess must not confirm the pattern
        it came from. On PostgreSQL a worker remembers each domain's pattern with a digest of
        the colleagues it came from (`LEARNT`); a chunk asks for the digests first and reads
        again only the colleagues of the domains whose digest changed or that it never met.
        Elsewhere every chunk reads them all.
        """
        if not stored_domains:
            return {}
        # Each stored spelling normalised once, not once per colleague (tens of thousands).
        domain_of = {stored: _domain(stored) for stored in stored_domains}
        spellings: dict[str, list[str]] = {}
        for stored, domain in sorted(domain_of.items()):
            spellings.setdefault(domain, []).append(stored)
        digests = colleague_digests(stored_domains)
        learnt: dict[str, DomainPattern] = {}
        keys: dict[str, tuple] = {}
        for domain, stored in spellings.items():
            if digests is None:
                continue
            keys[domain] = tuple((spelling, digests.get(spelling)) for spelling in stored)
            remembered = LEARNT.get(domain)
            if remembered is not None and remembered[0] == keys[domain]:
                learnt[domain] = remembered[1]
        unread = {stored for stored, domain in domain_of.items() if domain not in learnt}
        by_domain: dict[str, list[tuple[str, str, str]]] = {}
        if unread:
            for first_name, last_name, email, stored in colleagues_at(unread):
                by_domain.setdefault(domain_of[stored], []).append((first_name, last_name, email))
        for domain in spellings:
            if domain not in learnt:
                learnt[domain] = learn(domain, by_domain.get(domain, []))
                if domain in keys:
                    LEARNT.put(domain, (keys[domain], learnt[domain]))
        return learnt

    def _email(self, contact: Contact, patterns: dict[str, DomainPattern]) -> Detail:
        given = contact.email.strip()
        if given:
            if contact.email_invalid:
                return Missing("bounced", f"Mail to {given} bounced.")
            try:
                return Found(normalize_email(given), "given")
            except InvalidContactDetail as exc:
                return Missing("invalid", f"The email address {given!r} is not valid: {exc}")
        domain = _domain(contact.company_domain)
        if not domain:
            if not contact.company_name:
                why = "the person has no company whose domain could give one"
            else:
                why = f"{contact.company_name} has no domain to infer one from"
            return Missing("no_domain", f"No email address is known and {why}.")
        guess = guess_address(
            contact.first_name,
            contact.last_name,
            patterns[domain],
            min_confidence=self.min_confidence,
        )
        if not guess.address:
            return Missing(guess.code, f"No email address is known. {guess.reason}")
        try:
            address = normalize_email(guess.address)
        except InvalidContactDetail as exc:
            return Missing("invalid", f"The inferred address {guess.address!r} is not valid: {exc}")
        evidence = {
            "pattern": guess.pattern,
            "domain": domain,
            "colleagues": guess.colleagues,
            "following": guess.following,
        }
        if guess.assumed:
            evidence["assumed"] = list(guess.assumed)
        return Found(address, "inferred", guess.confidence, evidence)

    def _phone(self, contact: Contact) -> Detail:
        given = contact.phone.strip()
        if not given:
            return Missing("missing", "No phone number is known.")
        try:
            return Found(normalize_phone(given, self.region), "given")
        except InvalidContactDetail as exc:
            return Missing("invalid", f"The phone number {given!r} is not valid: {exc}")

    def _profile(self, value: str, network: str) -> Detail:
        given = value.strip()
        label = _NETWORK_LABEL[network]
        if not given:
            return Missing("missing", f"No {label} is known.")
        try:
            return Found(normalize_profile_url(given, network), "given")
        except InvalidContactDetail as exc:
            return Missing("invalid", f"The {label} {given!r} is not valid: {exc}")


def _colleagues(stored_domains: set[str]):
    """The people at these domains whose own address is evidence. Its conditions are those of
    the person_colleague_idx index, which holds every column it reads."""
    return (
        Person.objects.filter(
            company__domain__in=stored_domains, email_invalid=False, email_inferred=False
        )
        .exclude(email="")
        .order_by()
    )


def colleagues_at(stored_domains: set[str]):
    """(first name, last name, email, company domain) of the colleagues at these domains."""
    return _colleagues(stored_domains).values_list(
        "first_name", "last_name", "email", "company__domain"
    )


# Between the fields of one colleague in a digest: a control character no name or address holds.
_SEPARATOR = "\x1f"


class _Hash64(Func):
    """PostgreSQL's 64-bit hash of a text."""

    function = "hashtextextended"
    output_field = BigIntegerField()


def colleague_digests(stored_domains: set[str]) -> dict[str, tuple[int, int]] | None:
    """{stored domain: (colleagues, sum of a 64-bit hash of each one's names and address)}: a
    digest that changes when any colleague does, whatever the order the rows come in, read
    from the same index as the colleagues themselves in one hashed aggregate. None where the
    database has no such hash (SQLite), whose chunks read every colleague instead."""
    if connection.vendor != "postgresql":
        return None
    text = Concat(
        "first_name",
        Value(_SEPARATOR),
        "last_name",
        Value(_SEPARATOR),
        "email",
        output_field=CharField(),
    )
    rows = (
        _colleagues(stored_domains)
        .values("company__domain")
        .annotate(n=Count("*"), digest=Sum(_Hash64(text, Value(0))))
        .values_list("company__domain", "n", "digest")
    )
    return {stored: (n, int(digest)) for stored, n, digest in rows}


class _Learnt:
    """The patterns a worker learnt, by domain, each with the digests of the colleagues it came
    from; the least recently used go first past `size`."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[tuple, DomainPattern]] = OrderedDict()

    def get(self, domain: str) -> tuple[tuple, DomainPattern] | None:
        item = self._items.get(domain)
        if item is not None:
            self._items.move_to_end(domain)
        return item

    def put(self, domain: str, item: tuple[tuple, DomainPattern]) -> None:
        self._items[domain] = item
        self._items.move_to_end(domain)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


LEARNT = _Learnt(size=20_000)


def _domain(stored: str) -> str:
    try:
        return normalize_domain(stored or "")
    except InvalidContactDetail:
        return ""
