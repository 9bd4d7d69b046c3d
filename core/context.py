"""What a change needs to know about the request that made it, without being handed the request:
the caller's address, for the audit log."""

from contextvars import ContextVar

from django.conf import settings

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_client_ip() -> str | None:
    return _client_ip.get()


def set_client_ip(ip: str | None):
    """Set the address for the current request; returns the token to reset it with."""
    return _client_ip.set(ip)


def reset_client_ip(token) -> None:
    _client_ip.reset(token)


def client_ip(request) -> str:
    """The caller's address: REMOTE_ADDR, or the header a trusted proxy sets (setting
    LOGIN_CLIENT_IP_HEADER, e.g. HTTP_X_REAL_IP), which a direct caller cannot forge."""
    if request is None:
        return ""
    header = settings.LOGIN_CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
