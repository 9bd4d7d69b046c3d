"""The follow-up queue: what is overdue, due today and coming up, with one-click actions."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from contacts.models import Person
from core.dashboard.pagination import paginate
from core.errors import DomainError
from core.public_ids import PREFIXES, try_parse_public_id
from outreach.choices import Outcome
from outreach.models import Outreach
from outreach.selectors import stale_outreaches, stale_outreaches_queryset
from outreach.services import outcomes

from . import selectors, services
from .forms import OUTCOME_CHOICE_LABELS, FollowUpStatusForm, LogOutcomeForm, StaleHoursForm
from .models import FollowUp

STATUS_DONE_MESSAGES = {"done": "Done", "skipped": "Skipped", "pending": "Reopened"}


QUEUE_ROWS = 25


def _stale_hours(request: HttpRequest) -> int:
    """The `hours` asked for, else STALE_AFTER_HOURS (a bad value is warned about)."""
    hours_form = StaleHoursForm(request.GET)
    if hours_form.is_valid():
        return hours_form.cleaned_data["hours"] or settings.STALE_AFTER_HOURS
    messages.warning(request, f"hours: {' '.join(hours_form.errors['hours'])}")
    return settings.STALE_AFTER_HOURS


def followup_queue(request: HttpRequest) -> HttpResponse:
    """Pending follow-ups, oldest due first, in three sections with their full counts."""
    queue = selectors.followup_queue(limit=QUEUE_ROWS)
    counts = selectors.followup_due_counts()
    hours = _stale_hours(request)
    stale, stale_count = stale_outreaches(hours=hours, limit=QUEUE_ROWS)
    headings = selectors.QUEUE_SECTIONS
    return render(
        request,
        "followups/queue.html",
        {
            "overdue": ("overdue", headings["overdue"], queue["overdue"], counts["overdue"]),
            "sections": [
                (key, headings[key], queue[key], counts[key]) for key in ("today", "upcoming")
            ],
            "total": sum(counts.values()),
            "stale": stale,
            "stale_count": stale_count,
            "stale_hours": hours,
            "outcome_form": LogOutcomeForm(),
        },
    )


@require_GET
def followup_section_list(request: HttpRequest, section: str = "open") -> HttpResponse:
    """Every follow-up of one section of the queue (or every open one, of one person with
    `person_id`), a page at a time."""
    headings = {**selectors.QUEUE_SECTIONS, "open": "Open follow-ups"}
    if section not in headings:
        raise Http404("No such part of the follow-up queue.")
    followups = selectors.followup_section(section)
    heading = headings[section]
    person_pk = try_parse_public_id(PREFIXES["person"], request.GET.get("person_id"))
    if person_pk:
        person = get_object_or_404(Person, pk=person_pk)
        followups = followups.filter(person_id=person_pk)
        heading = f"{heading} with {person}"
    page = paginate(request, followups, default_per=50)
    return render(
        request,
        "followups/section_list.html",
        {"key": section, "heading": heading, "page": page},
    )


@require_GET
def stale_list(request: HttpRequest) -> HttpResponse:
    """Every stale outreach, oldest first, a page at a time, each with its outcome to log."""
    hours = _stale_hours(request)
    page = paginate(request, stale_outreaches_queryset(hours=hours), default_per=50)
    return render(
        request,
        "followups/stale_list.html",
        {"page": page, "stale_hours": hours, "outcome_form": LogOutcomeForm()},
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
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    """Where the form was (the queue or the full stale list), else the queue."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return reverse("followups:queue")


@require_POST
def outreach_log_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the outcome of a stale outreach straight from the queue; it leaves the list."""
    outreach = get_object_or_404(Outreach.objects.select_related("person"), pk=pk)
    form = LogOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["outcome"]))
        return redirect(_back(request))
    outcome = form.cleaned_data["outcome"]
    try:
        logged = outcomes.outreach_log_outcome(
            outreach=outreach, outcome=outcome, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        who = outreach.person or outreach.public_id
        label = OUTCOME_CHOICE_LABELS[outcome].split(":")[0].lower()
        messages.success(request, f"Logged “{label}” for {who}.{_next_attempt_note(logged)}")
    return redirect(_back(request))


def _next_attempt_note(logged) -> str:
    if logged.outreach.outcome != Outcome.NO_RESPONSE:
        return ""
    attempt = logged.next_attempt
    if attempt is None:
        return " That was the last attempt of following up."
    due = date_format(timezone.localtime(attempt.due_at), "D M j")
    if logged.scheduled:
        return f" Follow-up attempt {attempt.attempt_no} is due {due}."
    if attempt.due_at <= timezone.now():
        return f" Follow-up attempt {attempt.attempt_no} is waiting in the queue (due {due})."
    return f" Follow-up attempt {attempt.attempt_no} stays due {due}."
