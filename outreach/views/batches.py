"""The outreach list's batch bar (assign a sequence, start enrichment) and the progress bar of
the enrichment batch it started."""

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from core.dashboard.bulk import BulkActionView, skipped_messages
from core.public_ids import PREFIXES, format_public_id, try_parse_public_id

from .. import selectors
from ..filters import OutreachFilterSet
from ..forms import BatchForm
from ..models import EnrichmentBatch, Outreach
from ..services.batches import outreaches_batch_assign_sequence
from ..services.enrichment import outreaches_batch_start_enrichment


def _plural(count: int) -> str:
    return f"{count} outreach{'es' if count != 1 else ''}"


class OutreachBatchView(BulkActionView):
    form_class = BatchForm
    filterset_class = OutreachFilterSet
    list_url_name = "outreach:list"
    noun = "outreach"
    noun_plural = "outreaches"

    def get_queryset(self):
        return Outreach.objects.all()

    def perform(self, request, form, ids, back):
        if form.cleaned_data["action"] == BatchForm.ASSIGN_SEQUENCE:
            return self.assign_sequence(request, form, ids, back)
        return self.start_enrichment(request, ids, back)

    def assign_sequence(self, request, form, ids, back) -> HttpResponse:
        sequence = form.cleaned_data["sequence"]
        if not form.cleaned_data["confirmed"]:
            conflicts = selectors.sequence_assignment_conflicts(ids, sequence)
            if conflicts["other_sequence"] or conflicts["running"]:
                return self.confirm_assignment(request, sequence, len(ids), conflicts, back)
        result = outreaches_batch_assign_sequence(ids=ids, sequence=sequence, actor=request.user)
        messages.success(
            request,
            f"Assigned “{result.sequence_name}” to {_plural(result.updated_count)}.",
        )
        skipped_messages(
            request, [{"id": pk, "reason": "not found (deleted?)"} for pk in result.not_found]
        )
        return redirect(back)

    def confirm_assignment(self, request, sequence, count, conflicts, back) -> HttpResponse:
        """Ask before taking outreaches off another sequence, or off one they are running: the
        same POST again, confirmed."""
        return render(
            request,
            "outreach/batch_confirm.html",
            {
                "title": "Replace their sequences?",
                "sequence": sequence,
                "count": count,
                "noun": _plural(count),
                "conflicts": conflicts,
                "ids": request.POST.getlist("ids"),
                "all_matching": request.POST.get("all_matching"),
                "query": request.GET.urlencode(),
                "back": back,
            },
        )

    def start_enrichment(self, request, ids, back) -> HttpResponse:
        result = outreaches_batch_start_enrichment(ids=ids, actor=request.user)
        if result.success_count:
            messages.success(request, f"Started enrichment for {_plural(result.success_count)}.")
        else:
            messages.warning(request, "No outreach could start enrichment.")
        skipped_messages(request, result.skipped)
        if result.batch_id:
            # The list then shows the batch's progress bar, polled until it is done.
            query = request.GET.copy()
            query["enrichment_batch"] = format_public_id(
                PREFIXES["enrichment_batch"], result.batch_id
            )
            back = self.list_url(query.urlencode())
        return redirect(back)


# Fired (HX-Trigger) by a progress answer when more of the batch is done than the bar showed:
# the outreach list's results block refreshes itself on it, so rows and counts follow.
ROWS_CHANGED_EVENT = "outreach-rows-changed"


@require_GET
def enrichment_progress(request: HttpRequest, batch_id: str) -> HttpResponse:
    """The progress bar of a running enrichment batch, polled by htmx until it is done."""
    pk = try_parse_public_id(EnrichmentBatch.PUBLIC_ID_PREFIX, batch_id)
    batch = selectors.enrichment_batch(pk) if pk else None
    if batch is None:
        raise Http404("No such enrichment batch.")
    response = render(request, "outreach/_enrichment_progress.html", {"batch": batch})
    seen = request.GET.get("seen", "")
    if seen.isdigit() and int(seen) != batch.done:
        response["HX-Trigger"] = json.dumps(
            {
                ROWS_CHANGED_EVENT: {
                    "batch": batch.public_id,
                    "done": batch.done,
                    "finished": batch.is_done,
                }
            }
        )
    if batch.is_done:
        # htmx stops polling when answered 286.
        response.status_code = 286
    return response
