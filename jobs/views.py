"""Dashboard pages of jobs, hottest first."""

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from outreach.selectors import outreach_list_queryset
from outreach_site.dashboard import FilteredListView, object_form_page

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
        return Job.objects.select_related("company").annotate(outreach_count=Count("outreaches"))

    def customize_filter_form(self, form):
        form.fields["q"].label = "Search"
        form.fields["q"].widget.attrs.update({"type": "search", "placeholder": "Role"})
        form.fields["archived"].widget = form.fields["stage"].widget.__class__(
            choices=[("", "Any"), ("false", "Active"), ("true", "Archived")]
        )
        form.fields["heat"].widget.attrs.update({"min": 0, "max": 3})

    def get_context_data(self, **context):
        context["heat_labels"] = HEAT_LABELS
        return context


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("company"), pk=pk)
    outreaches = outreach_list_queryset().filter(job=job)
    return render(
        request,
        "jobs/detail.html",
        {
            "job": job,
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
