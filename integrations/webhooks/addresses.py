"""Where a webhook may be sent: never to this machine, the private network or a cloud's
metadata service (unless WEBHOOKS_ALLOW_PRIVATE), checked when the URL is saved and again at
each delivery, on the addresses the name resolves to then. The delivery connects to the address
it checked, so a second lookup cannot swap in another one."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# Cloud metadata services; link-local and private ranges cover them, named in case they do not.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


class AddressRefused(ValueError):
    """The URL cannot be used; the message says why."""


@dataclass(frozen=True)
class Target:
    """A URL checked for sending: its host name (for Host and SNI) and the address to dial."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    def pinned_url(self) -> str:
        """The URL with its host replaced by the checked address."""
        parts = urlsplit(self.url)
        ip = ipaddress.ip_address(self.address)
        host = f"[{ip}]" if ip.version == 6 else str(ip)
        path = parts.path or "/"
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.scheme}://{host}:{self.port}{path}{query}"

    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def refused_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for test, name in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
        ("is_unspecified", "an unspecified address"),
    ):
        if getattr(ip, test):
            return name
    if not ip.is_global:
        return "not a public address"
    return None


def resolve(url: str) -> Target:
    """Check `url` and the addresses its host resolves to; the first one is dialled.

    Every address the name has must be allowed, so which one the resolver hands out first
    cannot matter.
    """
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https"):
        raise AddressRefused("The URL must start with http:// or https://.")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise AddressRefused("The URL's port is not a number between 0 and 65535.") from None
    if not host:
        raise AddressRefused("The URL has no host.")
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise AddressRefused(f"The host {host} cannot be resolved.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise AddressRefused(f"The host {host} cannot be resolved.")
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        for address in addresses:
            reason = refused_reason(ipaddress.ip_address(address.split("%")[0]))
            if reason:
                raise AddressRefused(f"The host {host} resolves to {address}, {reason}.")
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])
