"""The follow-up queue: what is overdue, due today and coming up, with one-click actions."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from outreach.models import Outreach
from outreach.selectors import stale_outreaches
from outreach.services.outreaches import outreach_update

from . import selectors, services
from .forms import FollowUpStatusForm, LogOutcomeForm, StaleHoursForm
from .models import FollowUp

STATUS_DONE_MESSAGES = {"done": "Done", "skipped": "Skipped", "pending": "Reopened"}


QUEUE_ROWS = 25


def followup_queue(request: HttpRequest) -> HttpResponse:
    """Pending follow-ups, oldest due first, in three sections with their full counts."""
    queue = selectors.followup_queue(limit=QUEUE_ROWS)
    counts = selectors.followup_due_counts()
    hours_form = StaleHoursForm(request.GET)
    hours = settings.STALE_AFTER_HOURS
    if hours_form.is_valid():
        hours = hours_form.cleaned_data["hours"] or hours
    else:
        messages.warning(request, f"hours: {' '.join(hours_form.errors['hours'])}")
    stale, stale_count = stale_outreaches(hours=hours, limit=QUEUE_ROWS)
    return render(
        request,
        "followups/queue.html",
        {
            "overdue": ("overdue", "Overdue", queue["overdue"], counts["overdue"]),
            "sections": [
                ("today", "Due today", queue["today"], counts["today"]),
                ("upcoming", "Next 7 days", queue["upcoming"], counts["upcoming"]),
            ],
            "total": sum(counts.values()),
            "stale": stale,
            "stale_count": stale_count,
            "stale_hours": hours,
            "outcome_form": LogOutcomeForm(),
        },
    )


@require_POST
def followup_set_status(request: HttpRequest, pk: int) -> HttpResponse:
    followup = get_object_or_404(FollowUp, pk=pk)
    form = FollowUpStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Unknown action for a follow-up.")
    else:
        status = form.cleaned_data["status"]
        try:
            services.followup_update(followup=followup, actor=request.user, status=status)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{STATUS_DONE_MESSAGES[status]}: {followup.title}.")
    return redirect("followups:queue")


@require_POST
def outreach_log_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the outcome of a stale outreach straight from the queue."""
    outreach = get_object_or_404(Outreach.objects.select_related("person"), pk=pk)
    form = LogOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["outcome"]))
        return redirect("followups:queue")
    outcome = form.cleaned_data["outcome"]
    try:
        outreach_update(outreach=outreach, actor=request.user, outcome=outcome)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        who = outreach.person or outreach.public_id
        messages.success(request, f"Logged “{outcome.replace('_', ' ')}” for {who}.")
    return redirect("followups:queue")
