"""Dashboard pages of jobs, hottest first."""

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.dashboard.views import FilteredListView, object_form_page
from outreach.selectors import jobs_with_dormant_candidate, outreach_list_queryset

from . import services
from .filters import JobFilterSet
from .forms import JobForm
from .models import Job

HEAT_LABELS = {0: "cold", 1: "lukewarm", 2: "warm", 3: "hot"}


class JobListView(FilteredListView):
    filterset_class = JobFilterSet
    template_name = "jobs/list.html"
    title = "Jobs"
    sort_fields = {
        "heat": "heat_score",
        "title": "title",
        "company": "company__name",
        "stage": "stage",
        "updated": "updated_at",
    }
    default_sort = ("heat", "desc")

    def get_queryset(self):
        # The API's FilterSet filters on the dormant_candidate annotation.
        return jobs_with_dormant_candidate(
            Job.objects.select_related("company").annotate(outreach_count=Count("outreaches"))
        )

    def customize_filter_form(self, form):
        form.fields["q"].label = "Search"
        form.fields["q"].widget.attrs.update({"type": "search", "placeholder": "Role"})
        form.fields["archived"].widget.choices = [
            ("", "Any"),
            ("false", "Active"),
            ("true", "Archived"),
        ]
        form.fields["heat"].widget.attrs.update({"min": 0, "max": 3})
        form.fields["heat"].label = "Heat (0–3)"

    def get_context_data(self, **context):
        context["heat_labels"] = HEAT_LABELS
        return context


def _signed(value: float) -> str:
    return f"{value:+g}"


def heat_parts(explanation) -> list[tuple[str, str]]:
    """The heat score's arithmetic, line by line, as the job page explains it."""
    e = explanation
    parts = [(f"Stage base ({e.stage})", _signed(e.stage_base))]
    if e.days_since_touch is None:
        parts.append(("Latest outreach", "none yet: nothing added"))
    else:
        parts += [
            ("Outcome of the latest outreach", _signed(e.outcome_points)),
            ("Person's strength", _signed(e.strength_points)),
            ("Channel", _signed(e.channel_points)),
            ("Personalization ÷ 5", _signed(round(e.personalization_points, 1))),
            (
                "Cooling",
                f"× {e.decay:g} after {e.days_since_touch:g} days "
                f"(outreach part {e.added:g} → {e.added * e.decay:.1f})",
            ),
        ]
    if e.cap is not None:
        parts.append((f"Cap for {e.stage}", f"at most {e.cap}"))
    if e.archived:
        parts.append(("Archived", "score is 0"))
    parts.append(("Heat score now", f"{e.heat_score} → heat {e.heat} of 3"))
    return parts


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("company"), pk=pk)
    outreaches = outreach_list_queryset().filter(job=job)
    return render(
        request,
        "jobs/detail.html",
        {
            "job": job,
            "heat_parts": heat_parts(services.job_explain_heat(job)),
            "heat_label": HEAT_LABELS.get(job.heat, ""),
            "outreaches": list(outreaches[:50]),
            "outreach_count": outreaches.count(),
        },
    )


def job_create(request: HttpRequest) -> HttpResponse:
    return object_form_page(
        request,
        form_class=JobForm,
        instance=None,
        create=services.job_create,
        update=None,
        template="jobs/form.html",
        detail="jobs:detail",
        noun="Job",
    )


def job_edit(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk)
    return object_form_page(
        request,
        form_class=JobForm,
        instance=job,
        create=None,
        update=lambda **kw: services.job_update(job=job, **kw),
        template="jobs/form.html",
        detail="jobs:detail",
        noun="Job",
    )
