"""The one generic bulk action of the dashboard: run an action on the rows a list selected, or
on every row its filters match.

The list's query string travels with the POST, so "all matching" re-applies the FilterSet the
page showed; the batch cap is core.batches'; what a batch skipped is reported once per reason.
A subclass declares its FilterSet, form, list URL and `perform`.
"""

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views import View

from core.batches import matching_ids
from core.errors import DomainError

# How many ids a skipped-message quotes per reason.
SKIPPED_IDS_SHOWN = 10


def skipped_messages(request: HttpRequest, skipped: list[dict[str, str]]) -> None:
    """One warning per reason, naming the first few rows it concerns."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for item in skipped:
        by_reason[item["reason"]].append(item["id"])
    for reason, ids in by_reason.items():
        shown = ", ".join(ids[:SKIPPED_IDS_SHOWN])
        more = f" and {len(ids) - SKIPPED_IDS_SHOWN} more" if len(ids) > SKIPPED_IDS_SHOWN else ""
        messages.warning(
            request,
            format_html(
                "{} skipped: {}.<span class='message__ids'>{}{}</span>",
                len(ids),
                reason,
                shown,
                more,
            ),
        )


class BulkActionView(View):
    """POST only. The form has `ids` (selected rows) and `all_matching`; `perform` does the
    work and answers (usually a redirect to `back`)."""

    http_method_names = ["post"]
    form_class: type[forms.Form]
    filterset_class: type
    list_url_name = ""
    noun = "row"
    noun_plural = "rows"

    def get_queryset(self) -> QuerySet:
        raise NotImplementedError

    def perform(
        self, request: HttpRequest, form: forms.Form, ids: list[int], back: str
    ) -> HttpResponse:
        raise NotImplementedError

    def list_url(self, query: str) -> str:
        url = reverse(self.list_url_name)
        return f"{url}?{query}" if query else url

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        back = self.list_url(request.GET.urlencode())
        form = self.form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        ids: list[int] = form.cleaned_data["ids"]
        if form.cleaned_data["all_matching"]:
            filterset = self.filterset_class(request.GET, queryset=self.get_queryset())
            if not filterset.is_valid():
                messages.error(request, "The filters are not valid; fix them and try again.")
                return redirect(back)
            try:
                ids = matching_ids(filterset.qs, noun=self.noun_plural)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect(back)
        if not ids:
            messages.warning(request, f"Select at least one {self.noun} first.")
            return redirect(back)
        return self.perform(request, form, ids, back)
