"""Template helpers of the dashboard: safe bodies, sortable headers, navigation state."""

import functools

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.html import render_body as _render_body
from core.html import sanitize_html

register = template.Library()


@register.filter
def safe_html(value: str) -> SafeString:
    """User-supplied HTML with only harmless formatting left (nh3)."""
    return sanitize_html(value)


@register.filter
def render_body(body: str, body_type: str) -> SafeString:
    """An outreach body: sanitised HTML when body_type is html, else escaped text."""
    return _render_body(body, body_type)


@register.simple_tag(takes_context=True)
def sort_header(context, label: str, key: str, default_direction: str = "asc") -> SafeString:
    """A column header link that sorts by `key`, toggling the direction when already sorted.

    Keeps every other query parameter (the filters) and goes back to page 1.
    """
    request = context["request"]
    params = request.GET.copy()
    current = params.get("sort", "")
    direction = params.get("direction", "")
    if current == key:
        next_direction = "desc" if direction != "desc" else "asc"
        arrow = "▼" if direction == "desc" else "▲"
        aria = "descending" if direction == "desc" else "ascending"
    else:
        next_direction, arrow, aria = default_direction, "", ""
    params["sort"] = key
    params["direction"] = next_direction
    params.pop("page", None)
    return format_html(
        '<a class="sort{}" href="?{}" data-aria-sort="{}">{}<span class="sort__arrow" '
        'aria-hidden="true">{}</span></a>',
        " sort--active" if arrow else "",
        params.urlencode(),
        aria or "none",
        label,
        arrow,
    )


@register.simple_tag(takes_context=True)
def aria_sort(context, key: str) -> str:
    """The aria-sort value of a column header."""
    request = context["request"]
    if request.GET.get("sort") != key:
        return "none"
    return "descending" if request.GET.get("direction") == "desc" else "ascending"


@register.simple_tag(takes_context=True)
def nav_current(context, prefixes: str) -> SafeString:
    """`aria-current="page"` on the navigation link of the section being shown (a section may
    span several paths: "/outbox/ /inbox/")."""
    return SafeString(' aria-current="page"' if in_section(context, prefixes) else "")


@register.simple_tag(takes_context=True)
def in_section(context, prefixes: str) -> bool:
    """Whether the page shown is under one of these space-separated path prefixes ("/" is the
    home page alone)."""
    path = context["request"].path
    return any(
        path == "/" if prefix == "/" else path.startswith(prefix) for prefix in prefixes.split()
    )


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value:g} %"


@register.filter
def humanize_state(value: str) -> str:
    """`not_available` → `not available`."""
    return (value or "").replace("_", " ")


@register.filter
def get_item(mapping, key):
    """`{{ labels|get_item:key }}`: a dictionary lookup by a variable key."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def is_http_url(value: str) -> bool:
    """Only http(s) links are rendered as links (never javascript: or data:)."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


@register.filter
def readable_changes(entry) -> list[tuple[str, object, object]]:
    """An audit entry's changes as (label, before, after): the field's own name for people and
    its choices' labels ("Outcome: None → No response", not `outcome: none → no_response`)."""
    model = _model_named(entry.object_type)
    readable = []
    for name, values in (entry.changes or {}).items():
        pair = isinstance(values, list) and len(values) == 2
        before, after = values if pair else (None, values)
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
        label = str(getattr(field, "verbose_name", "") or name.replace("_", " "))
        # A reverse relation (a sequence's `steps`) has no choices of its own.
        choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
        readable.append(
            (
                label[:1].upper() + label[1:],
                _readable_value(before, choices),
                _readable_value(after, choices),
            )
        )
    return readable


def _readable_value(value, choices: dict):
    """A choice's label; a list of things (a sequence's steps) as how many there are."""
    if isinstance(value, list | dict):
        return f"{len(value)} item{'' if len(value) == 1 else 's'}"
    return choices.get(value, value)


def _model_named(model_name: str):
    """The model an audit entry's object_type names (its model_name), if any."""
    return _models_by_name().get(model_name)


@functools.cache
def _models_by_name() -> dict:
    return {model._meta.model_name: model for model in apps.get_models()}
