"""Canonical forms of contact details, shared by the API, CSV import and enrichment."""

import re
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from email_validator import EmailNotValidError, validate_email

from core.validation import validate_http_url


class InvalidContactDetail(ValueError):
    pass


def normalize_email(value: str) -> str:
    """Syntax check only (no DNS): returns the address with its domain lower-cased."""
    value = value.strip()
    if not value:
        return ""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidContactDetail(str(exc)) from None
    return result.normalized


def normalize_phone(value: str, region: str | None = None) -> str:
    """E.164 (`+14155550123`); numbers without a country code use the default region."""
    value = value.strip()
    if not value:
        return ""
    region = region or settings.PHONE_DEFAULT_REGION
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        reason = str(exc.args[0]).rstrip(".")
        raise InvalidContactDetail(
            f"Not a phone number: {reason[:1].lower()}{reason[1:]}."
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContactDetail("Not a valid phone number for its country.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PROFILE_HOSTS = {
    "linkedin": ("linkedin.com",),
    "facebook": ("facebook.com", "fb.com"),
}
_LINKEDIN_PATH = re.compile(r"^/(in|pub|company)/([^/?#]+)")


def normalize_profile_url(value: str, network: str) -> str:
    """One canonical form per profile: `https://www.linkedin.com/in/<slug>` (no query, no slash)."""
    url = _canonical_profile_url(value, network)
    if url:
        try:
            validate_http_url(url)
        except ValidationError:
            raise InvalidContactDetail(
                "Profile links cannot contain spaces, quotes or angle brackets."
            ) from None
    return url


def _canonical_profile_url(value: str, network: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidContactDetail("Profile links must be http(s) URLs.")
    host = (parts.hostname or "").lower()
    hosts = _PROFILE_HOSTS[network]
    if not any(host == h or host.endswith("." + h) for h in hosts):
        raise InvalidContactDetail(f"Not a {network} address: expected a {hosts[0]} link.")
    path = parts.path.rstrip("/")
    if network == "linkedin":
        match = _LINKEDIN_PATH.match(path)
        if not match:
            raise InvalidContactDetail(
                "Expected a LinkedIn profile link like linkedin.com/in/name."
            )
        return f"https://www.linkedin.com/{match.group(1)}/{match.group(2).lower()}"
    if not path:
        raise InvalidContactDetail("Expected a Facebook profile link like facebook.com/name.")
    if path == "/profile.php" and parts.query:
        ids = re.findall(r"(?:^|&)id=(\d+)", parts.query)
        if ids:
            return f"https://www.facebook.com/profile.php?id={ids[0]}"
    return f"https://www.facebook.com{path.lower()}"


def normalize_domain(value: str) -> str:
    value = value.strip().lower()
    if "://" in value:
        value = urlsplit(value).hostname or ""
    value = value.removeprefix("www.").strip(".")
    if value and not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", value):
        raise InvalidContactDetail("Enter a domain like acme.com.")
    return value
