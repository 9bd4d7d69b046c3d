"""The follow-up queue: what is overdue, due today and coming up, with one-click actions."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from outreach_site.errors import DomainError

from . import selectors, services
from .forms import FollowUpStatusForm
from .models import FollowUp

STATUS_DONE_MESSAGES = {"done": "Done", "skipped": "Skipped", "pending": "Reopened"}


QUEUE_ROWS = 25


def followup_queue(request: HttpRequest) -> HttpResponse:
    """Pending follow-ups, oldest due first, in three sections with their full counts."""
    queue = selectors.followup_queue(limit=QUEUE_ROWS)
    counts = selectors.followup_due_counts()
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
