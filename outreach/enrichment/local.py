"""The built-in provider: works offline from what the database already knows.

It normalises and checks the details on the person (email syntax without DNS, phone to E.164 in
`settings.PHONE_DEFAULT_REGION`, LinkedIn/Facebook links to one canonical form) and infers a
missing email from the company's domain and the address pattern of colleagues there.
"""

from django.conf import settings

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
        """One query for all the domains a chunk needs: the colleagues with a given address.

        Bounced and inferred addresses are no evidence: a guess must not confirm the pattern
        it came from.
        """
        if not stored_domains:
            return {}
        # Each stored spelling normalised once, not once per colleague (tens of thousands).
        domain_of = {stored: _domain(stored) for stored in stored_domains}
        by_domain: dict[str, list[tuple[str, str, str]]] = {}
        for first_name, last_name, email, stored in colleagues_at(stored_domains):
            by_domain.setdefault(domain_of[stored], []).append((first_name, last_name, email))
        return {
            domain: learn(domain, by_domain.get(domain, [])) for domain in set(domain_of.values())
        }

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


def colleagues_at(stored_domains: set[str]):
    """(first name, last name, email, company domain) of the people at these domains whose own
    address is evidence. Its conditions are those of the person_colleague_idx index, which
    holds every column it reads."""
    return (
        Person.objects.filter(
            company__domain__in=stored_domains, email_invalid=False, email_inferred=False
        )
        .exclude(email="")
        .order_by()
        .values_list("first_name", "last_name", "email", "company__domain")
    )


def _domain(stored: str) -> str:
    try:
        return normalize_domain(stored or "")
    except InvalidContactDetail:
        return ""
