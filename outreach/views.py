"""Dashboard pages of outreaches and sequences. Views parse, call one service, render."""

import copy
from collections import defaultdict
from urllib.parse import urlencode

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from contacts.models import Company, Person
from core.dashboard.views import (
    FilteredListView,
    call_service,
    changed_values,
    paginate,
)
from core.errors import DomainError
from core.public_ids import PREFIXES, format_public_id, try_parse_public_id
from core.widgets import FastSelect, options_html
from jobs.models import Job

from . import selectors, services
from .choices import Outcome, PipelineState
from .csv_export import export_lines
from .filters import OutreachFilterSet, SequenceFilterSet
from .forms import (
    BatchForm,
    OutreachForm,
    OutreachQuickUpdateForm,
    SequenceForm,
    SequenceStepFormSet,
    TransitionForm,
    transition_label,
)
from .models import Outreach, Sequence, Tag
from .state_machine import (
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
SKIPPED_IDS_SHOWN = 10


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
        users = get_user_model().objects.order_by("username")
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
            fields[name].label = name.removesuffix("_id").capitalize() + " id"
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
            self.request.GET.get(f.name) for f in context["secondary_fields"]
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


def _skipped_messages(request: HttpRequest, skipped: list[dict[str, str]]) -> None:
    """One warning per reason, naming the first few outreaches it concerns."""
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


@require_POST
def outreach_batch(request: HttpRequest) -> HttpResponse:
    """Run a batch action on the selected outreaches, or on all that match the list's filters.

    The list's query string travels with the POST, so "all matching" re-applies the same
    FilterSet the page showed.
    """
    back = _list_url(request.GET.urlencode())
    form = BatchForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    ids: list[int] = form.cleaned_data["ids"]
    if form.cleaned_data["all_matching"]:
        filterset = OutreachFilterSet(request.GET, queryset=Outreach.objects.all())
        if not filterset.is_valid():
            messages.error(request, "The filters are not valid; fix them and try again.")
            return redirect(back)
        ids = list(filterset.qs.values_list("pk", flat=True)[: settings.MAX_BATCH_IDS + 1])
        if len(ids) > settings.MAX_BATCH_IDS:
            messages.error(
                request,
                f"More than {settings.MAX_BATCH_IDS:,} outreaches match; a batch takes at most "
                f"{settings.MAX_BATCH_IDS:,}. Narrow the filters and try again.",
            )
            return redirect(back)
    if not ids:
        messages.warning(request, "Select at least one outreach first.")
        return redirect(back)

    if form.cleaned_data["action"] == BatchForm.ASSIGN_SEQUENCE:
        result = services.outreaches_batch_assign_sequence(
            ids=ids, sequence=form.cleaned_data["sequence"], actor=request.user
        )
        messages.success(
            request,
            f"Assigned “{result.sequence_name}” to {result.updated_count} "
            f"outreach{'es' if result.updated_count != 1 else ''}.",
        )
        if result.not_found:
            _skipped_messages(
                request, [{"id": pk, "reason": "not found (deleted?)"} for pk in result.not_found]
            )
        return redirect(back)

    result = services.outreaches_batch_start_enrichment(ids=ids, actor=request.user)
    if result.success_count:
        messages.success(
            request,
            f"Started enrichment for {result.success_count} "
            f"outreach{'es' if result.success_count != 1 else ''}.",
        )
    else:
        messages.warning(request, "No outreach could start enrichment.")
    _skipped_messages(request, result.skipped)
    batch_id = getattr(result, "batch_id", None)
    if batch_id:
        # The list then shows the batch's progress bar, polled until it is done.
        query = request.GET.copy()
        query["enrichment_batch"] = format_public_id(PREFIXES["enrichment_batch"], batch_id)
        back = _list_url(query.urlencode())
    return redirect(back)


@require_GET
def outreach_export(request: HttpRequest) -> HttpResponse:
    """The outreaches the list's filters match, as CSV, in the list's order."""
    filterset = OutreachFilterSet(request.GET, queryset=Outreach.objects.all())
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


@require_GET
def enrichment_progress(request: HttpRequest, batch_id: str) -> HttpResponse:
    """The progress bar of a running enrichment batch, polled by htmx until it is done."""
    progress = _enrichment_batch_progress(batch_id)
    if progress is None:
        raise Http404("No such enrichment batch.")
    response = render(request, "outreach/_enrichment_progress.html", {"progress": progress})
    if progress["done"]:
        # htmx stops polling when answered 286.
        response.status_code = 286
    return response


def _enrichment_batch_progress(batch_id: str) -> dict | None:
    """Progress of an enrichment batch (`enb_42`); None when there is no such batch."""
    try:
        from .models import EnrichmentBatch  # type: ignore[attr-defined]
    except ImportError:  # enrichment batches not installed yet
        return None
    pk = try_parse_public_id(EnrichmentBatch.PUBLIC_ID_PREFIX, batch_id)
    batch = EnrichmentBatch.objects.filter(pk=pk).first() if pk else None
    if batch is None:
        return None
    done = batch.done
    return {
        "batch": batch,
        "id": batch.public_id,
        "total": batch.total,
        "done_count": done,
        "percent": round(100 * done / batch.total) if batch.total else 100,
        "done": batch.finished_at is not None or done >= batch.total,
    }


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
    history = list(selectors.outreach_history(outreach))
    followups = list(outreach.followups.order_by("due_at", "id"))
    return render(
        request,
        "outreach/detail.html",
        {
            "outreach": outreach,
            "history": history,
            "followups": followups,
            "transition_groups": _transition_groups(outreach),
            "transition_form": TransitionForm(),
            "update_form": OutreachQuickUpdateForm(instance=outreach),
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
        services.outreach_transition(
            outreach=outreach,
            name=name,
            actor=request.user,
            metadata={"reason": reason} if reason else None,
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
        if call_service(
            form, services.outreach_update, outreach=outreach, actor=request.user, **changes
        ):
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
        saved = call_service(form, services.outreach_create, actor=request.user, **values)
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
            form, services.outreach_update, outreach=outreach, actor=request.user, **changes
        )
        if saved is not None:
            messages.success(request, f"Outreach {saved.public_id} saved.")
            return redirect("outreach:detail", saved.pk)
    return render(request, "outreach/form.html", {"form": form, "outreach": outreach})


@require_POST
def outreach_delete(request: HttpRequest, pk: int) -> HttpResponse:
    outreach = _get_outreach(pk)
    result = services.outreach_delete(outreach=outreach, actor=request.user)
    messages.success(request, f"Outreach {result['deleted_id']} deleted.")
    return redirect("outreach:list")


# --- sequences -------------------------------------------------------------------------------


class SequenceListFilterSet(SequenceFilterSet):
    """The API's sequence filters, plus a name search for the page's search box."""

    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)


class SequenceListView(FilteredListView):
    filterset_class = SequenceListFilterSet
    template_name = "sequences/list.html"
    title = "Sequences"

    def get_queryset(self):
        return selectors.sequences_with_results().order_by("-active", "name", "id")

    def customize_filter_form(self, form):
        form.fields["q"].label = "Search"
        form.fields["q"].widget.attrs.update({"type": "search", "placeholder": "Sequence name"})

    def get_context_data(self, **context):
        for sequence in context["page"].items:
            sequence.reply_rate = selectors.reply_rate(sequence.reply_count, sequence.sent_count)
        return context


def _get_sequence(pk: int) -> Sequence:
    try:
        return selectors.sequences_with_results(Sequence.objects.filter(pk=pk)).get()
    except Sequence.DoesNotExist:
        raise Http404("No such sequence.") from None


def sequence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sequence = _get_sequence(pk)
    outreaches = selectors.outreach_list_queryset().filter(sequence=sequence)
    page = paginate(request, outreaches, default_per=25)
    outcomes = selectors.outcome_counts(outreaches)
    states = selectors.state_counts(outreaches)
    return render(
        request,
        "sequences/detail.html",
        {
            "sequence": sequence,
            "steps": list(sequence.steps.all()),
            "page": page,
            "reply_rate": selectors.reply_rate(sequence.reply_count, sequence.sent_count),
            "outcomes": [(v, label, outcomes.get(v, 0)) for v, label in Outcome.choices],
            "states": [(v, label, states.get(v, 0)) for v, label in PipelineState.choices],
            "list_url": _list_url(urlencode({"sequence_id": sequence.public_id})),
        },
    )


def _steps_from(formset) -> list[dict]:
    steps = []
    for form in formset.forms:
        if not form.has_changed() and not form.initial:
            continue
        if form.cleaned_data.get("DELETE"):
            continue
        data = {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        if data:
            steps.append(data)
    return steps


def _sequence_form_page(request, *, sequence: Sequence | None) -> HttpResponse:
    initial_steps = (
        [
            {
                "channel": s.channel,
                "delay_days": s.delay_days,
                "subject_template": s.subject_template,
                "body_template": s.body_template,
            }
            for s in sequence.steps.all()
        ]
        if sequence
        else []
    )
    if request.method == "POST":
        form = SequenceForm(request.POST, instance=_copy(sequence) if sequence else None)
        formset = SequenceStepFormSet(request.POST, initial=initial_steps, prefix="steps")
        if form.is_valid() and formset.is_valid():
            steps = _steps_from(formset)
            if sequence is None:
                saved = call_service(
                    form,
                    services.sequence_create,
                    actor=request.user,
                    steps=steps,
                    **form.cleaned_data,
                )
            else:
                saved = call_service(
                    form,
                    services.sequence_update,
                    sequence=sequence,
                    actor=request.user,
                    steps=steps,
                    **changed_values(form),
                )
            if saved:
                messages.success(
                    request, f"Sequence “{saved.name}” {'saved' if sequence else 'created'}."
                )
                return redirect("outreach:sequence-detail", saved.pk)
    else:
        form = SequenceForm(instance=sequence)
        formset = SequenceStepFormSet(initial=initial_steps, prefix="steps")
    return render(
        request,
        "sequences/form.html",
        {"form": form, "formset": formset, "sequence": sequence},
    )


def _copy(instance):
    """A detached copy, so form validation cannot change the object the service compares to."""
    return copy.copy(instance)


def sequence_create(request: HttpRequest) -> HttpResponse:
    return _sequence_form_page(request, sequence=None)


def sequence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        sequence = Sequence.objects.get(pk=pk)
    except Sequence.DoesNotExist:
        raise Http404("No such sequence.") from None
    return _sequence_form_page(request, sequence=sequence)
