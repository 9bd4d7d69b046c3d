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


def followup_queue(request: HttpRequest) -> HttpResponse:
    queue = selectors.followup_queue()
    return render(
        request,
        "followups/queue.html",
        {
            "sections": [
                ("overdue", "Overdue", queue["overdue"], "Nothing overdue. Nicely done."),
                ("today", "Due today", queue["today"], "Nothing else is due today."),
                ("upcoming", "Next 7 days", queue["upcoming"], "Nothing scheduled this week."),
            ],
            "total": sum(len(items) for items in queue.values()),
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
