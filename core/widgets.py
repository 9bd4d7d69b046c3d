"""Form widgets of the dashboard."""

import html
from collections.abc import Iterable

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import normalize_choices
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _escaped(value) -> str:
    """What Django's conditional_escape returns, without its lazy-string wrapper per call."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def options_html(choices: Iterable[tuple[object, object]], selected=frozenset()) -> SafeString:
    """`<option>` elements for (value, label) pairs, escaped; `selected` holds string values."""
    return mark_safe(
        "".join(
            f'<option value="{_escaped(value)}"'
            f"{' selected' if str(value) in selected else ''}>{_escaped(label)}</option>"
            for value, label in choices
        )
    )


class FastSelect(forms.Select):
    """A `<select>` written in Python, with the same markup as Django's.

    Django renders each `<option>` through a template; the outreach filters list every sequence
    and every user, which on a large desk is thousands of options, and rendering them dominated
    the list page. Flat choices only (no option groups).
    """

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        # A list of pairs is kept as given: normalising 1,500 of them on every page cost more
        # than writing them out.
        self._choices = value if isinstance(value, list) else normalize_choices(value)

    def render(self, name, value, attrs=None, renderer=None):
        options = options_html(self.choices, set(self.format_value(value)))
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)
