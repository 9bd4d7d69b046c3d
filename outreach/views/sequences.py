"""Dashboard pages of sequences: the list with results, one sequence, its form with steps."""

import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.dashboard.pagination import paginate
from core.dashboard.pickers import resolve_typed_names
from core.dashboard.views import FilteredListView, call_service, changed_values
from sending.models import Mailbox
from sending.schedule import sequence_preview
from sending.selectors import sequence_step_results

from .. import selectors
from ..choices import Outcome, PipelineState
from ..filters import OutreachFilterSet, SequenceFilterSet
from ..forms import SequenceForm, SequencePreviewForm, SequenceStepFormSet
from ..models import Sequence
from ..services import sequences as service


class SequenceListView(FilteredListView):
    filterset_class = SequenceFilterSet
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


def _preview(request: HttpRequest, sequence: Sequence) -> dict:
    """The steps as the person picked (`person_id`, or a name typed without JavaScript) would
    receive them from the mailbox chosen (default: the user's first active one)."""
    if "person_id" not in request.GET and "person_id_name" not in request.GET:
        return {"preview_form": SequencePreviewForm(), "preview": None}
    # A name typed without JavaScript is resolved as the outreach list resolves it.
    data, typed, unresolved = resolve_typed_names(request.GET, OutreachFilterSet)
    form = SequencePreviewForm(data)
    form.fields["person_id"].widget.typed = typed.get("person_id", "")
    if not form.is_valid() or unresolved:
        if "person_id" in unresolved:
            form.errors["person_id"] = form.error_class([unresolved["person_id"]])
        return {"preview_form": form, "preview": None}
    person, mailbox = form.cleaned_data["person_id"], form.cleaned_data["mailbox"]
    if mailbox is None:
        mailbox = (
            Mailbox.objects.filter(owner_id=request.user.pk)
            .order_by("-active", "name", "id")
            .first()
        )
    return {
        "preview_form": form,
        "preview": sequence_preview(sequence, person, mailbox),
        "preview_person": person,
        "preview_mailbox": mailbox,
    }


def sequence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sequence = _get_sequence(pk)
    outreaches = selectors.outreach_list_queryset().filter(sequence=sequence)
    page = paginate(request, outreaches, default_per=25)
    outcomes = selectors.outcome_counts(outreaches)
    states = selectors.state_counts(outreaches)
    steps = list(sequence.steps.all())
    return render(
        request,
        "sequences/detail.html",
        {
            **_preview(request, sequence),
            "step_results": sequence_step_results(sequence, steps),
            "sequence": sequence,
            "steps": steps,
            "page": page,
            "reply_rate": selectors.reply_rate(sequence.reply_count, sequence.sent_count),
            "outcomes": [(v, label, outcomes.get(v, 0)) for v, label in Outcome.choices],
            "states": [(v, label, states.get(v, 0)) for v, label in PipelineState.choices],
            "list_url": reverse("outreach:list")
            + "?"
            + urlencode({"sequence_id": sequence.public_id}),
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
                    service.sequence_create,
                    actor=request.user,
                    steps=steps,
                    **form.cleaned_data,
                )
            else:
                saved = call_service(
                    form,
                    service.sequence_update,
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
