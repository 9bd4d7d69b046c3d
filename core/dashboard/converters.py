"""`<out:pk>`, `<per:pk>`, … in dashboard URL patterns: prefixed ids in, primary keys out."""

from django.urls import register_converter
from django.urls.converters import get_converters

from core.public_ids import PREFIXES, InvalidPublicId, format_public_id, parse_public_id


class PublicIdConverter:
    """`<out:pk>` in a URL pattern: gives the view 42 for `out_42`; reverses 42 → out_42.

    Any path segment matches, and a malformed id becomes pk 0, which names no row: the view
    then answers 404 after the login check, so anonymous callers are sent to log in first.
    """

    prefix = ""
    regex = "[^/]+"

    def to_python(self, value: str) -> int:
        try:
            return parse_public_id(self.prefix, value)
        except InvalidPublicId:
            return 0

    def to_url(self, value) -> str:
        if isinstance(value, str):
            return value
        return format_public_id(self.prefix, value.pk if hasattr(value, "pk") else value)


def register_public_id_converters() -> None:
    """Make `<out:pk>`, `<per:pk>`, … available to URL patterns (once per process)."""
    registered = get_converters()
    for prefix in PREFIXES.values():
        if prefix not in registered:
            register_converter(_converter_class(prefix), prefix)


def _converter_class(prefix: str) -> type[PublicIdConverter]:
    return type(
        f"PublicIdConverter_{prefix}",
        (PublicIdConverter,),
        {"prefix": prefix},
    )
