"""Pickers: a filter that names a record by its public id (`company_id=com_4`) is typed by name.

On a list page such a field is a text box that asks `/pick/<kind>?q=…` for a few matching
records as the user types (htmx, `static/js/app.js` for the keyboard) and keeps the chosen
record's public id in a hidden input, so the URL stays a shareable `?company_id=com_4` and the box
shows the name. Without JavaScript the form still works: the typed text is sent as
`<field>_name`, and the list resolves it to the one record it names (or says why not).

The kinds are declared once by the site (settings.DASHBOARD_PICKERS names them); every
PublicIdFilter whose prefix has a picker gets one, on every list.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from core.filters import PublicIdFilter
from core.public_ids import format_public_id, try_parse_public_id

# How many suggestions one answer holds, and how long a search text may be.
SUGGESTIONS = 8
MAX_TEXT = 200
# The no-JavaScript form sends the typed text as `<field>_name`.
TYPED_SUFFIX = "_name"


@dataclass(frozen=True)
class Choice:
    value: str  # the public id
    label: str  # what the box shows once chosen
    detail: str = ""  # a second line that tells look-alikes apart


@dataclass(frozen=True)
class Picker:
    """How to find records of one kind by what people call them."""

    kind: str  # the URL's name for it: /pick/<kind>
    prefix: str
    noun: str  # "company"
    plural: str  # "companies"
    rows: Callable[[], QuerySet]  # the records of the workspace in scope, in display order
    search: Callable[[QuerySet, str], QuerySet]
    label: Callable[[Any], str]
    detail: Callable[[Any], str] = field(default=lambda row: "")

    def choice(self, row) -> Choice:
        return Choice(format_public_id(self.prefix, row.pk), self.label(row), self.detail(row))

    def matches(self, text: str, limit: int = SUGGESTIONS) -> list[Choice]:
        rows = self.rows()
        text = text.strip()[:MAX_TEXT]
        if text:
            rows = self.search(rows, text)
        return [self.choice(row) for row in rows[:limit]]

    def label_for(self, public_id: str) -> str | None:
        """The name of the record an id names, or None when it names none (in this workspace)."""
        pk = try_parse_public_id(self.prefix, public_id)
        row = self.rows().filter(pk=pk).first() if pk is not None else None
        return None if row is None else self.label(row)


@cache
def _pickers() -> dict[str, Picker]:
    return {picker.kind: picker for picker in import_string(settings.DASHBOARD_PICKERS)}


def picker_by_kind(kind: str) -> Picker | None:
    return _pickers().get(kind)


def picker_by_prefix(prefix: str) -> Picker | None:
    return next((p for p in _pickers().values() if p.prefix == prefix), None)


def picker_of(filter_) -> Picker | None:
    if not isinstance(filter_, PublicIdFilter):
        return None
    return picker_by_prefix(filter_.extra["prefix"])


# --- the suggestion endpoint -----------------------------------------------------------------


@require_GET
def suggest(request: HttpRequest, kind: str) -> HttpResponse:
    """`GET /pick/<kind>?q=ada`: the first few records of the user's workspace matching the text,
    as the options of a listbox."""
    picker = picker_by_kind(kind)
    if picker is None:
        raise Http404("No such list.")
    text = request.GET.get("q", "").strip()[:MAX_TEXT]
    return render(
        request,
        "partials/picker_options.html",
        {
            "choices": picker.matches(text),
            "picker": picker,
            "text": text,
            "list_id": request.GET.get("list", "")[:100],
        },
    )


# --- the widget ------------------------------------------------------------------------------


class PickerWidget(forms.Widget):
    """A text box showing the chosen record's name, a hidden input with its public id, and a
    listbox the suggestions arrive in."""

    def __init__(self, picker: Picker, attrs=None):
        super().__init__(attrs)
        self.picker = picker
        self.typed = ""  # text the user typed that named no single record

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        box_id = attrs.pop("id", f"id_{name}")
        list_id = f"{box_id}-options"
        value = value or ""
        label = self.picker.label_for(value) if value else None
        if label is None and value and not self.typed:
            self.typed = value  # an id that names nothing here: show it, the error says why
        text = self.typed or label or ""
        box = {
            **attrs,
            "type": "text",
            "id": box_id,
            "name": name + TYPED_SUFFIX,
            "value": text,
            "class": "picker__input",
            "role": "combobox",
            "aria-autocomplete": "list",
            "aria-expanded": "false",
            "aria-controls": list_id,
            "autocomplete": "off",
            "spellcheck": "false",
            "placeholder": attrs.get("placeholder") or f"Type a {self.picker.noun}’s name",
            "data-label": label or "",
            "hx-get": f"{reverse('picker', args=[self.picker.kind])}?list={list_id}",
            "hx-trigger": "input changed delay:150ms, focus",
            "hx-target": f"#{list_id}",
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            "hx-push-url": "false",
        }
        return format_html(
            '<div class="picker" data-picker><input{}>'
            '<input type="hidden" class="picker__value" name="{}" value="{}">'
            '<ul class="picker__options" id="{}" role="listbox" aria-label="{}" hidden></ul>'
            "</div>",
            flatatt(box),
            name,
            "" if self.typed else value,
            list_id,
            self.picker.plural.capitalize(),
        )


def use_pickers(form: forms.Form, filterset_class) -> None:
    """Give every id filter of the form that has a picker the picker widget."""
    for name, filter_ in filterset_class.base_filters.items():
        picker = picker_of(filter_)
        if picker is not None and name in form.fields:
            form.fields[name].widget = PickerWidget(picker)


def resolve_typed_names(data: QueryDict, filterset_class) -> tuple[QueryDict, dict, dict]:
    """Turn the text typed into a picker without JavaScript (`company_id_name=ember`) into the id
    it names. Returns the data to filter with, {field: text typed} for texts that named no single
    record, and {field: error message} for those."""
    data = data.copy()
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, filter_ in filterset_class.base_filters.items():
        picker = picker_of(filter_)
        key = name + TYPED_SUFFIX
        if picker is None or key not in data:
            continue
        text = (data.pop(key)[-1] or "").strip()
        if not text:
            data[name] = ""  # the box was emptied: no filter
            continue
        current = data.get(name, "")
        if current and picker.label_for(current) == text:
            continue  # the chosen record, unchanged
        found = picker.matches(text, limit=SUGGESTIONS + 1)
        exact = [choice for choice in found if choice.label.casefold() == text.casefold()]
        if len(found) == 1 or len(exact) == 1:
            data[name] = (exact or found)[0].value
            continue
        data[name] = ""
        typed[name] = text
        if not found:
            errors[name] = f"No {picker.noun} matches “{text}”."
        else:
            names = ", ".join(choice.label for choice in found[:3])
            more = "…" if len(found) > 3 else ""
            errors[name] = (
                f"More than one {picker.noun} matches “{text}” ({names}{more}): "
                "type more of the name."
            )
    return data, typed, errors
