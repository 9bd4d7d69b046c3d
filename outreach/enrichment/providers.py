"""The provider interface: what the enrichment engine hands a provider and what it gets back.

A provider looks at many people at once (so a remote one can batch its calls) and answers, per
person and per contact detail, either what it found or why it found nothing. The engine then
decides each outreach from the detail its channel needs. `settings.ENRICHMENT_PROVIDER` names
the class (a dotted path); it is built with no arguments.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

# The person fields a provider may fill, in the order `other`-channel outreaches prefer them.
DETAIL_FIELDS = ("email", "phone", "linkedin_url", "facebook_url")


@dataclass(frozen=True)
class Contact:
    """What is known about one person when enrichment starts."""

    person_id: int
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    email_invalid: bool = False
    phone: str = ""
    linkedin_url: str = ""
    facebook_url: str = ""
    company_name: str = ""
    company_domain: str = ""


@dataclass(frozen=True)
class Found:
    """A usable contact detail: its canonical value, where it came from, how sure we are.

    `source` is "given" when it was already on the person (now normalised) or "inferred";
    `evidence` says how an inferred value was reached (pattern, colleagues, …).
    """

    value: str
    source: str
    confidence: float = 1.0
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_metadata(self, name: str) -> dict[str, Any]:
        return {
            "field": name,
            "value": self.value,
            "source": self.source,
            "confidence": self.confidence,
            **self.evidence,
        }


@dataclass(frozen=True)
class Missing:
    """No usable value: `code` for machines (missing, invalid, bounced, no_domain, …),
    `reason` for people."""

    code: str
    reason: str


Detail = Found | Missing


@dataclass(frozen=True)
class Findings:
    """A provider's answer for one person: one Found or Missing per contact detail."""

    email: Detail
    phone: Detail
    linkedin_url: Detail
    facebook_url: Detail

    def get(self, name: str) -> Detail:
        return getattr(self, name)


class EnrichmentProvider(ABC):
    """Finds and checks contact details. Subclasses set `name` and implement `enrich`."""

    name: str = ""

    @abstractmethod
    def enrich(self, contacts: list[Contact]) -> dict[int, Findings]:
        """Answer for every contact, keyed by person id. May raise: the engine then records the
        outreaches as failed (with the error) instead of leaving them in `enrichment`."""


def get_provider() -> EnrichmentProvider:
    """The provider configured by `settings.ENRICHMENT_PROVIDER`."""
    provider_class = import_string(settings.ENRICHMENT_PROVIDER)
    return provider_class()
