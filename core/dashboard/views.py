"""Generic pieces of the dashboard: the filtered list view, the form page, and the bridge from
domain errors to form errors.

A list page is a declaration (queryset, FilterSet, templates); the same view answers a whole
page or, for htmx, just the results.
"""

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import F, ProtectedError, QuerySet, RestrictedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views import View

from core.errors import DomainError
from core.filters import PublicIdFormField, StrictBooleanFormField
from core.widgets import FastSelect

from .pagination import paginate
from .pickers import resolve_typed_names, use_pickers

# --- list views -------------------------------------------------------------------------------


def is_htmx_partial(request: HttpRequest, target: str = "results") -> bool:
    """An htmx request that only wants the results block replaced."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-Target") == target
    )


SORT_PARAMS = ("sort", "direction")


def prepare_filter_form(form: forms.Form) -> None:
    """Make an API FilterSet's form read well as a page's filter form.

    Every select starts with "Any" (so an untouched form filters nothing), true/false filters
    become a select, and each field gets a label even where django-filter cannot derive one.
    """
    for name, field in form.fields.items():
        if name in SORT_PARAMS:
            continue
        if isinstance(field, StrictBooleanFormField):
            field.widget = FastSelect(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])
        elif isinstance(field, forms.ChoiceField):
            field.widget = FastSelect(attrs=field.widget.attrs)
            field.choices = [("", "Any"), *((k, v) for k, v in field.choices if k != "")]
        if not field.label or field.label.startswith("["):
            field.label = name.removesuffix("_id").replace("_", " ").capitalize()
        if isinstance(field, PublicIdFormField):
            field.widget.attrs.setdefault("placeholder", f"{field.prefix}_…")
        field.help_text = ""


class FilteredListView(View):
    """A list page: a FilterSet applied to a queryset, sorted, paginated.

    Subclasses declare `filterset_class`, `template_name`, `results_template_name` and
    `get_queryset`. `sort_fields` maps a `sort` value to a model field for lists whose FilterSet
    does not sort by itself; the `direction` parameter is asc or desc.
    """

    filterset_class: type | None = None
    template_name = ""
    results_template_name = ""
    sort_fields: dict[str, str] = {}
    default_sort: tuple[str, str] = ("", "asc")
    title = ""

    def get_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_filterset(self, request: HttpRequest):
        # Names typed into a picker without JavaScript become the ids they name (core.dashboard
        # .pickers); a name that names no single record is an error on its field.
        data, typed, errors = resolve_typed_names(request.GET, self.filterset_class)
        filterset = self.filterset_class(data, queryset=self.get_queryset(), request=request)
        form = filterset.form
        prepare_filter_form(form)
        use_pickers(form, self.filterset_class)
        self.customize_filter_form(form)
        for name, message in errors.items():
            form.fields[name].widget.typed = typed[name]
            form.add_error(name, message)
        return filterset

    def customize_filter_form(self, form: forms.Form) -> None:
        """Hook: swap widgets (e.g. a select of sequences instead of an id box)."""

    def sort(self, queryset: QuerySet, request: HttpRequest) -> QuerySet:
        if not self.sort_fields:
            return queryset
        sort = request.GET.get("sort") or self.default_sort[0]
        if sort not in self.sort_fields:
            return queryset
        direction = request.GET.get("direction") or self.default_sort[1]
        key = F(self.sort_fields[sort])
        key = key.desc(nulls_last=True) if direction == "desc" else key.asc(nulls_last=True)
        tie = F("id").desc() if direction == "desc" else F("id").asc()
        return queryset.order_by(key, tie)

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        return context

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        filterset = self.get_filterset(request)
        if filterset.is_valid():
            queryset = self.sort(filterset.qs, request)
        else:
            queryset = filterset.queryset.none()
        search = filterset.is_valid() and bool(filterset.form.cleaned_data.get("q"))
        page = paginate(request, queryset, search=search)
        context = self.get_context_data(
            filterset=filterset,
            filter_form=filterset.form,
            filters_invalid=not filterset.is_valid(),
            page=page,
            title=self.title,
        )
        template = (
            self.results_template_name
            if self.results_template_name and is_htmx_partial(request)
            else self.template_name
        )
        response = render(request, template, context)
        # The same URL answers a page or a fragment: caches must tell them apart.
        patch_vary_headers(response, ["HX-Request", "HX-Target"])
        return response


# --- domain errors in forms -------------------------------------------------------------------


def call_service(form: forms.Form, service: Callable[..., Any], **kwargs: Any) -> Any | None:
    """Run a service for a valid form; a DomainError becomes an error on the field it names
    (or on the form), and the result is None."""
    try:
        return service(**kwargs)
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        # API field names end in _id where the form field does not.
        if field is None and exc.field and exc.field.removesuffix("_id") in form.fields:
            field = exc.field.removesuffix("_id")
        form.add_error(field, exc.message)
    except (ProtectedError, RestrictedError) as exc:
        count = len(getattr(exc, "protected_objects", None) or exc.restricted_objects)
        form.add_error(None, f"Still referenced by {count} other record(s); remove those first.")
    return None


def changed_values(form: forms.Form) -> dict[str, Any]:
    """The cleaned values of the fields the user changed (an edit writes only those)."""
    return {
        name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
    }


def object_form_page(
    request: HttpRequest,
    *,
    form_class: type[forms.ModelForm],
    instance: Any,
    create: Callable[..., Any] | None,
    update: Callable[..., Any] | None,
    template: str,
    detail: str,
    noun: str,
) -> HttpResponse:
    """Create or edit one object through its services; domain errors land on the fields."""
    if request.method == "POST":
        # The form works on a copy: the service compares the new values with the stored ones.
        form = form_class(request.POST, instance=copy.copy(instance) if instance else None)
        if form.is_valid():
            if instance is None:
                saved = call_service(form, create, actor=request.user, **form.cleaned_data)
            else:
                saved = call_service(form, update, actor=request.user, **changed_values(form))
            if saved is not None:
                messages.success(request, f"{noun} “{saved}” {'saved' if instance else 'created'}.")
                return redirect(detail, saved.pk)
    else:
        form = form_class(instance=instance)
    return render(request, template, {"form": form, "object": instance, "noun": noun})
