"""Dashboard pages of outreaches: the list, the CSV export, one outreach, its forms."""

import copy

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from contacts.models import Company, Person
from core.dashboard.pickers import TYPED_SUFFIX, resolve_typed_names
from core.dashboard.views import FilteredListView, call_service, changed_values
from core.errors import DomainError
from core.public_ids import PREFIXES, format_public_id, try_parse_public_id
from core.widgets import FastSelect, options_html
from jobs.models import Job
from sending import selectors as sending_selectors
from sending.schedule import schedule_of
from workspaces.selectors import members_in_scope

from .. import selectors
from ..csv_export import export_lines
from ..filters import OutreachFilterSet
from ..forms import (
    OutreachForm,
    OutreachMailboxForm,
    OutreachQuickUpdateForm,
    TransitionForm,
    transition_label,
)
from ..history import history_entries
from ..models import Outreach, Sequence, Tag
from ..services import outcomes
from ..services import outreaches as service
from ..state_machine import (
    DELIVERY_TRANSITIONS,
    PIPELINE_TRANSITIONS,
    available_transitions,
    transition_spec,
    unmet_conditions,
)

# --- outreach list ---------------------------------------------------------------------------

# Filters shown by default; the rest sit under "More filters".
PRIMARY_FILTERS = ("q", "status", "channel", "sequence_id", "outcome", "owner")
HIDDEN_FILTERS = ("sort", "direction")


class OutreachListView(FilteredListView):
    """The outreach list: the API's FilterSet as a form, sortable, paginated, selectable."""

    filterset_class = OutreachFilterSet
    template_name = "outreach/list.html"
    results_template_name = "outreach/_results.html"
    title = "Outreaches"

    def get_queryset(self):
        return selectors.outreach_list_queryset()

    def customize_filter_form(self, form: forms.Form) -> None:
        fields = form.fields
        fields["q"].label = "Search"
        fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, email or company"}
        )
        fields["status"].label = "Pipeline state"
        fields["sequence_id"].label = "Sequence"
        # Plain values, not model instances: these list every sequence and user.
        fields["sequence_id"].widget = FastSelect(
            choices=[
                ("", "Any"),
                *(
                    (format_public_id(PREFIXES["sequence"], pk), name)
                    for pk, name in Sequence.objects.values_list("pk", "name")
                ),
            ]
        )
        users = members_in_scope()
        fields["owner"].widget = FastSelect(
            choices=[
                ("", "Anyone"),
                *(
                    (format_public_id(PREFIXES["user"], pk), f"{first} {last}".strip() or username)
                    for pk, username, first, last in users.values_list(
                        "pk", "username", "first_name", "last_name"
                    )
                ),
            ]
        )
        fields["tag"].widget = FastSelect(
            choices=[
                ("", "Any"),
                *((name, name) for name in Tag.objects.values_list("name", flat=True)),
            ]
        )
        fields["approved"].widget = FastSelect(
            choices=[("", "Any"), ("true", "Approved"), ("false", "Not approved")]
        )
        for name in ("person_id", "company_id", "job_id"):
            fields[name].label = name.removesuffix("_id").capitalize()
        fields["delivery_status"].label = "Delivery"
        fields["outreach_type"].label = "Type"

    def get_context_data(self, **context):
        form = context["filter_form"]
        context["primary_fields"] = [form[name] for name in PRIMARY_FILTERS]
        context["secondary_fields"] = [
            form[name]
            for name in form.fields
            if name not in PRIMARY_FILTERS and name not in HIDDEN_FILTERS
        ]
        context["hidden_fields"] = [form[name] for name in HIDDEN_FILTERS]
        context["more_filters_open"] = any(
            self.request.GET.get(f.name) or self.request.GET.get(f.name + TYPED_SUFFIX)
            for f in context["secondary_fields"]
        )
        context["filtered"] = any(
            self.request.GET.get(name) for name in form.fields if name not in HIDDEN_FILTERS
        )
        context["sequence_options"] = options_html(
            Sequence.objects.filter(active=True).values_list("pk", "name")
        )
        context["max_batch"] = f"{settings.MAX_BATCH_IDS:,}"
        context["progress_batch_id"] = self.request.GET.get("enrichment_batch", "")
        return context


def _list_url(query: str) -> str:
    url = reverse("outreach:list")
    return f"{url}?{query}" if query else url


@require_GET
def outreach_export(request: HttpRequest) -> HttpResponse:
    """The outreaches the list's filters match, as CSV, in the list's order."""
    # A name typed into a picker without JavaScript filters the export as it does the list.
    data, _typed, unresolved = resolve_typed_names(request.GET, OutreachFilterSet)
    filterset = OutreachFilterSet(data, queryset=Outreach.objects.all())
    for name, message in unresolved.items():
        filterset.form.add_error(name, message)
    if not filterset.is_valid():
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in filterset.errors.items())
        messages.error(request, f"Cannot export: {errors}")
        return redirect(_list_url(request.GET.urlencode()))
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        export_lines(filterset.qs), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="outreaches-{stamp}.csv"'
    return response


# --- outreach detail -------------------------------------------------------------------------


def _get_outreach(pk: int) -> Outreach:
    try:
        return selectors.outreach_detail(pk)
    except Outreach.DoesNotExist:
        raise Http404("No such outreach.") from None


def _transition_groups(outreach: Outreach) -> list[dict]:
    """The buttons the state machine allows now, and why the others in reach are refused."""
    groups = []
    for title, field, names in (
        ("Pipeline", "current_state", PIPELINE_TRANSITIONS),
        ("Delivery", "delivery_status", DELIVERY_TRANSITIONS),
    ):
        allowed = set(available_transitions(outreach, field))
        current = getattr(outreach, field)
        buttons, hints = [], []
        for name in names:
            spec = transition_spec(name)
            if name in allowed:
                buttons.append(
                    {"name": name, "label": transition_label(name), "target": spec.target}
                )
            elif current in spec.sources:
                reasons = unmet_conditions(outreach, name)
                if reasons:
                    hints.append(f"{transition_label(name)} needs: {' and '.join(reasons)}.")
        groups.append({"title": title, "current": current, "buttons": buttons, "hints": hints})
    return groups


def outreach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    outreach = _get_outreach(pk)
    history = history_entries(
        selectors.outreach_history(outreach), selectors.outreach_outcome_log(outreach)
    )
    followups = list(outreach.followups.order_by("due_at", "id"))
    groups = _transition_groups(outreach)
    return render(
        request,
        "outreach/detail.html",
        {
            "outreach": outreach,
            "history": history,
            "followups": followups,
            "transition_groups": groups,
            "transition_form": TransitionForm(),
            "may_pause": any(b["name"] == "pause" for g in groups for b in g["buttons"]),
            "update_form": OutreachQuickUpdateForm(instance=outreach),
            # Its sequence's sending: messages with their headers, the schedule, the mailbox.
            "sent_messages": sending_selectors.outreach_messages_with_headers(outreach.pk),
            "schedule": schedule_of(outreach),
            "mailbox_form": OutreachMailboxForm(initial={"mailbox": outreach.mailbox_id}),
            "now": timezone.now(),
        },
    )


@require_POST
def outreach_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Run one transition from the detail page; a refusal becomes an error message."""
    outreach = _get_outreach(pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("outreach:detail", pk)
    name = form.cleaned_data["transition"]
    reason = form.cleaned_data["reason"]
    spec = transition_spec(name)
    before = getattr(outreach, spec.field)
    try:
        service.outreach_transition(
            outreach=outreach,
            name=name,
            actor=request.user,
            metadata={"reason": reason} if reason else None,
            # The form's one "until" box is for pause; the other buttons ignore it.
            until=form.cleaned_data["until"] if name == "pause" else None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{transition_label(name)}: {before} → {spec.target}.".replace("_", " ")
        )
    return redirect("outreach:detail", pk)


@require_POST
def outreach_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Log an outcome, approve, or change the sequence from the detail page."""
    outreach = _get_outreach(pk)
    form = OutreachQuickUpdateForm(request.POST, instance=Outreach(pk=outreach.pk))
    form.initial = {
        "outcome": outreach.outcome,
        "approved": outreach.approved,
        "sequence": outreach.sequence_id,
    }
    if form.is_valid():
        changes = changed_values(form)
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("outreach:detail", pk)
        if "outcome" in changes:
            # Logged as the follow-up queue logs it: no response keeps following up.
            logged = call_service(
                form,
                outcomes.outreach_log_outcome,
                outreach=outreach,
                actor=request.user,
                outcome=changes.pop("outcome"),
                other_changes=changes,
            )
        else:
            logged = call_service(
                form, service.outreach_update, outreach=outreach, actor=request.user, **changes
            )
        if logged:
            messages.success(request, "Outreach updated.")
            return redirect("outreach:detail", pk)
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect("outreach:detail", pk)


def _outreach_values(form: OutreachForm, values: dict, *, creating: bool = False) -> dict:
    """Leave to the service what the form did not decide: a chosen type implies the channel
    (when the channel field was not touched), and no company means the person's."""
    if form.cleaned_data.get("outreach_type") and "channel" not in form.changed_data:
        values.pop("channel", None)
    if creating and values.get("company") is None:
        values.pop("company", None)
    return values


def outreach_create(request: HttpRequest) -> HttpResponse:
    """Record an outreach by hand (the API and imports are the usual way in)."""
    initial = {}
    for name, model, prefix in (
        ("person", Person, "per"),
        ("company", Company, "com"),
        ("job", Job, "job"),
    ):
        pk = try_parse_public_id(prefix, request.GET.get(f"{name}_id"))
        if pk and model.objects.filter(pk=pk).exists():
            initial[name] = pk
    form = OutreachForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _outreach_values(form, dict(form.cleaned_data), creating=True)
        saved = call_service(form, service.outreach_create, actor=request.user, **values)
        if saved is not None:
            messages.success(request, f"Outreach {saved.public_id} recorded.")
            return redirect("outreach:detail", saved.pk)
    return render(request, "outreach/form.html", {"form": form, "outreach": None})


def outreach_edit(request: HttpRequest, pk: int) -> HttpResponse:
    outreach = _get_outreach(pk)
    form = OutreachForm(request.POST or None, instance=copy.copy(outreach))
    if request.method == "POST" and form.is_valid():
        changes = _outreach_values(form, changed_values(form))
        saved = call_service(
            form, service.outreach_update, outreach=outreach, actor=request.user, **changes
        )
        if saved is not None:
            messages.success(request, f"Outreach {saved.public_id} saved.")
            return redirect("outreach:detail", saved.pk)
    return render(request, "outreach/form.html", {"form": form, "outreach": outreach})


@require_POST
def outreach_delete(request: HttpRequest, pk: int) -> HttpResponse:
    outreach = _get_outreach(pk)
    result = service.outreach_delete(outreach=outreach, actor=request.user)
    messages.success(request, f"Outreach {result['deleted_id']} deleted.")
    return redirect("outreach:list")
