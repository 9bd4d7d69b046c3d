"""Dashboard pages of sequences: the list with results, one sequence, its form with steps."""

import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.dashboard.pagination import paginate
from core.dashboard.views import FilteredListView, call_service, changed_values

from .. import selectors
from ..choices import Outcome, PipelineState
from ..filters import SequenceFilterSet
from ..forms import SequenceForm, SequenceStepFormSet
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
