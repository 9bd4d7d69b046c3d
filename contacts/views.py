"""Dashboard pages of people and companies, and the people CSV import."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from core.dashboard.views import (
    FilteredListView,
    call_service,
    is_htmx_partial,
    object_form_page,
)
from core.errors import DomainError
from followups.selectors import people_with_heat
from outreach.selectors import outreach_list_queryset
from workspaces.roles import Permission, may

from . import services, suppressions
from .choices import ImportStatus
from .csv_import import (
    COLUMNS,
    latest_import,
    people_import_csv,
    people_import_plan,
    people_import_preview,
    people_import_run,
    people_import_undo,
)
from .filters import CompanyFilterSet, PersonFilterSet, SuppressionFilterSet
from .forms import CompanyForm, ImportChoicesForm, PersonForm, PersonImportForm, SuppressionForm
from .models import Company, PeopleImport, Person, Suppression

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
        return people_with_heat(
            Person.objects.select_related("company").order_by("last_name", "first_name", "id")
        )

    def customize_filter_form(self, form):
        form.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": "Name, email or company"}
        )
        form.fields["q"].label = "Search"


class CompanyListView(FilteredListView):
    filterset_class = CompanyFilterSet
    template_name = "contacts/company_list.html"
    title = "Companies"
    # Owners are shown by name, so they sort by the name that comes first.
    sort_fields = {"name": "name", "domain": "domain", "owner": "owner__first_name"}

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
    person = get_object_or_404(
        people_with_heat(Person.objects.select_related("company", "company__owner")), pk=pk
    )
    outreaches = outreach_list_queryset().filter(person=person)
    followups = person.followups.filter(status="pending").order_by("due_at", "id")
    return render(
        request,
        "contacts/person_detail.html",
        {
            "person": person,
            "outreaches": list(outreaches[:RELATED_ROWS]),
            "outreach_count": outreaches.count(),
            "followups": list(followups[:RELATED_ROWS]),
            "followup_count": followups.count(),
        },
    )


def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask before erasing a person's personal data (GDPR), then erase it. Managers and admins."""
    person = get_object_or_404(Person.objects.select_related("company"), pk=pk)
    if not may(request.user, Permission.DELETE_ANY):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.person_erase(person=person, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Personal data of {person.public_id} erased; the address is on the "
                "suppression list.",
            )
        return redirect("contacts:person-detail", pk=person.pk)
    outreaches = outreach_list_queryset().filter(person=person)
    return render(
        request,
        "contacts/person_erase.html",
        {"title": "Erase personal data", "person": person, "outreach_count": outreaches.count()},
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
            "job_count": company.jobs.count(),
        },
    )


class SuppressionListView(FilteredListView):
    """The suppression list, newest first, and a form to add an address (POST)."""

    filterset_class = SuppressionFilterSet
    template_name = "contacts/suppression_list.html"
    title = "Suppression list"

    def get_queryset(self):
        return Suppression.objects.select_related("created_by").order_by("-id")

    def customize_filter_form(self, form):
        del form.fields["address_hash"]  # the API's; a page asks by address
        form.fields["email"].label = "Address"
        form.fields["email"].widget.attrs.update(
            {"type": "search", "placeholder": "name@example.com"}
        )

    def get_context_data(self, **context):
        form = getattr(self, "form", None) or SuppressionForm()
        return {**context, "form": form, "may_add": may(self.request.user, Permission.WRITE)}

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.form = SuppressionForm(request.POST)
        if self.form.is_valid():
            made = call_service(
                self.form,
                suppressions.suppression_create,
                actor=request.user,
                **self.form.cleaned_data,
            )
            if made is not None:
                entry, created = made
                if created:
                    messages.success(request, "Added to the suppression list.")
                else:
                    messages.info(
                        request,
                        "That address is on the list already, since "
                        f"{date_format(timezone.localtime(entry.created_at), 'M j, Y')} "
                        f"({entry.get_reason_display().lower()}).",
                    )
                return redirect("contacts:suppressions")
        response = self.get(request, *args, **kwargs)
        response.status_code = 400
        return response


@require_POST
def suppression_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an address off the list (managers and admins)."""
    entry = get_object_or_404(Suppression, pk=pk)
    try:
        suppressions.suppression_delete(suppression=entry, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Removed from the suppression list.")
    return redirect("contacts:suppressions")


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
    """Upload a CSV of people and see its preview: what importing it would do, row by row.
    A file posted without asking for a preview is imported at once, with the mode given."""
    form = PersonImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST":
        if not form.is_valid():
            return _import_page(request, form=form, status=400)
        upload = form.cleaned_data["file"]
        options = {"file": upload, "actor": request.user, "mode": form.cleaned_data["mode"]}
        options["file_name"] = upload.name or ""
        try:
            if "preview" in request.POST:
                report = people_import_preview(**options)
            else:
                report = people_import_csv(
                    **options, skip_invalid=form.cleaned_data["skip_invalid"]
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return _import_page(request, form=form, status=exc.status_code)
        if report.error:
            form.add_error("file", report.error)
            return _import_page(request, form=form, status=400)
        if report.previewed:
            choices = ImportChoicesForm(initial={"mode": report.mode})
            return _import_page(request, report=report, choices=choices)
        _import_message(request, report)
    return _import_page(request, form=form, report=report)


def person_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of a kept file with other choices: htmx swaps the plan in place; without
    JavaScript the whole page answers."""
    people_import = get_object_or_404(PeopleImport, pk=pk, status=ImportStatus.PREVIEWED)
    if request.method != "POST":
        choices = ImportChoicesForm(initial={"mode": people_import.mode})
        report = people_import_plan(
            people_import=people_import, actor=request.user, mode=people_import.mode
        )
        return _import_page(request, report=report, choices=choices)
    choices = ImportChoicesForm(request.POST)
    if not choices.is_valid():
        report = people_import_plan(
            people_import=people_import, actor=request.user, mode=people_import.mode
        )
        return _import_page(request, report=report, choices=choices, status=400)
    report = people_import_plan(
        people_import=people_import, actor=request.user, **choices.cleaned_data
    )
    if is_htmx_partial(request, "import-plan"):
        return render(request, "contacts/_import_plan.html", {"report": report})
    return _import_page(request, report=report, choices=choices)


@require_POST
def person_import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a previewed file with the choices made on its preview."""
    people_import = get_object_or_404(PeopleImport, pk=pk)
    choices = ImportChoicesForm(request.POST)
    if not choices.is_valid():
        report = people_import_plan(
            people_import=people_import, actor=request.user, mode=people_import.mode
        )
        return _import_page(request, report=report, choices=choices, status=400)
    try:
        report = people_import_run(
            people_import=people_import, actor=request.user, **choices.cleaned_data
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("contacts:person-import")
    _import_message(request, report)
    if not report.committed:  # rejected rows: the preview again, with what to do about them
        report.previewed = True
        return _import_page(request, report=report, choices=choices)
    return _import_page(request, report=report)


@require_POST
def person_import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo an import, or say why it cannot be undone."""
    people_import = get_object_or_404(PeopleImport, pk=pk)
    try:
        result = people_import_undo(people_import=people_import, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        companies = result.companies_removed
        messages.success(
            request,
            f"Import undone: {result.removed} {pluralize_people(result.removed)} removed, "
            f"{result.restored} put back as they were"
            + (
                f", {companies} compan{'y' if companies == 1 else 'ies'} removed."
                if companies
                else "."
            ),
        )
    return redirect("contacts:person-import")


def pluralize_people(count: int) -> str:
    return "person" if count == 1 else "people"


def _import_message(request: HttpRequest, report) -> None:
    if report.committed:
        messages.success(request, f"Imported: {report.summary()}.")
    else:
        rows = f"{report.rejected} row{'s' if report.rejected != 1 else ''}"
        messages.error(
            request,
            f"Nothing was imported: {rows} rejected. Fix the file, or tick "
            "“Import the valid rows” to skip them.",
        )


def _import_page(
    request: HttpRequest, *, form=None, report=None, choices=None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "contacts/person_import.html",
        {
            "form": form or PersonImportForm(),
            "report": report,
            "choices": choices,
            "columns": COLUMNS,
            "last_import": latest_import(),
        },
        status=status,
    )
