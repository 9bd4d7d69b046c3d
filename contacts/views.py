"""Dashboard pages of people and companies, and the people CSV import."""

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.dashboard.views import FilteredListView, object_form_page
from outreach.selectors import outreach_list_queryset

from . import services
from .csv_import import COLUMNS, people_import_csv
from .filters import CompanyFilterSet, PersonFilterSet
from .forms import CompanyForm, PersonForm, PersonImportForm
from .models import Company, Person

RELATED_ROWS = 50
PEOPLE_ROWS = 12


class PersonListView(FilteredListView):
    filterset_class = PersonFilterSet
    template_name = "contacts/person_list.html"
    title = "People"
    sort_fields = {
        "name": "last_name",
        "company": "company__name",
        "status": "status",
        "strength": "strength",
        "last_contacted": "last_contacted_at",
    }

    def get_queryset(self):
        return Person.objects.select_related("company").order_by("last_name", "first_name", "id")

    def customize_filter_form(self, form):
        form.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": "Name, email or company"}
        )
        form.fields["q"].label = "Search"


class CompanyListView(FilteredListView):
    filterset_class = CompanyFilterSet
    template_name = "contacts/company_list.html"
    title = "Companies"
    sort_fields = {"name": "name", "domain": "domain", "owner": "owner__username"}

    def get_queryset(self):
        return (
            Company.objects.select_related("owner")
            .annotate(
                people_count=Count("people", distinct=True),
                outreach_count=Count("outreaches", distinct=True),
            )
            .order_by("name", "id")
        )

    def customize_filter_form(self, form):
        form.fields["q"].widget.attrs.update({"type": "search", "placeholder": "Name or domain"})
        form.fields["q"].label = "Search"


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("company", "company__owner"), pk=pk)
    outreaches = outreach_list_queryset().filter(person=person)
    return render(
        request,
        "contacts/person_detail.html",
        {
            "person": person,
            "outreaches": list(outreaches[:RELATED_ROWS]),
            "outreach_count": outreaches.count(),
            "followups": list(
                person.followups.filter(status="pending").order_by("due_at", "id")[:RELATED_ROWS]
            ),
        },
    )


def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Company.objects.select_related("owner"), pk=pk)
    outreaches = outreach_list_queryset().filter(company=company)
    people = company.people.order_by("last_name", "first_name", "id")
    return render(
        request,
        "contacts/company_detail.html",
        {
            "company": company,
            "people": list(people[:PEOPLE_ROWS]),
            "people_count": people.count(),
            "outreaches": list(outreaches[:RELATED_ROWS]),
            "outreach_count": outreaches.count(),
            "jobs": list(company.jobs.order_by("-heat_score", "id")[:RELATED_ROWS]),
        },
    )


def person_create(request: HttpRequest) -> HttpResponse:
    return object_form_page(
        request,
        form_class=PersonForm,
        instance=None,
        create=services.person_create,
        update=None,
        template="contacts/person_form.html",
        detail="contacts:person-detail",
        noun="Person",
    )


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    return object_form_page(
        request,
        form_class=PersonForm,
        instance=person,
        create=None,
        update=lambda **kw: services.person_update(person=person, **kw),
        template="contacts/person_form.html",
        detail="contacts:person-detail",
        noun="Person",
    )


def company_create(request: HttpRequest) -> HttpResponse:
    return object_form_page(
        request,
        form_class=CompanyForm,
        instance=None,
        create=services.company_create,
        update=None,
        template="contacts/company_form.html",
        detail="contacts:company-detail",
        noun="Company",
    )


def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Company, pk=pk)
    return object_form_page(
        request,
        form_class=CompanyForm,
        instance=company,
        create=None,
        update=lambda **kw: services.company_update(company=company, **kw),
        template="contacts/company_form.html",
        detail="contacts:company-detail",
        noun="Company",
    )


def person_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of people; answer with the per-row report."""
    report = None
    if request.method == "POST":
        form = PersonImportForm(request.POST, request.FILES)
        if form.is_valid():
            report = people_import_csv(
                file=form.cleaned_data["file"],
                actor=request.user,
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
            if report.error:
                form.add_error("file", report.error)
                report = None
            elif report.committed:
                messages.success(
                    request,
                    f"Imported: {report.created} created, {report.updated} updated"
                    + (f", {report.rejected} rejected." if report.rejected else "."),
                )
            else:
                messages.error(
                    request,
                    f"Nothing was imported: {report.rejected} row"
                    f"{'s' if report.rejected != 1 else ''} rejected. Fix the file, or tick "
                    "“Import the valid rows” to skip them.",
                )
    else:
        form = PersonImportForm()
    return render(
        request,
        "contacts/person_import.html",
        {"form": form, "report": report, "columns": COLUMNS},
    )
