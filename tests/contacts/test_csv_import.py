"""People CSV import: dedupe by email then LinkedIn URL, a per-row report, one transaction."""

import io

import pytest

from contacts.csv_import import people_import_csv
from contacts.models import Company, Person
from tests.factories import CompanyFactory, PersonFactory, default_workspace

pytestmark = pytest.mark.django_db


def run_bytes(data: bytes, **kwargs):
    return people_import_csv(
        file=io.BytesIO(data), actor=None, workspace=default_workspace(), **kwargs
    )


def run(text: str, **kwargs):
    return run_bytes(text.encode(), **kwargs)


def test_creates_and_updates_deduping_by_email_then_linkedin():
    by_email = PersonFactory(first_name="Old", email="ann@acme.com", linkedin_url="")
    by_linkedin = PersonFactory(
        first_name="Bob", email="", linkedin_url="https://www.linkedin.com/in/bob"
    )
    report = run(
        "first_name,last_name,email,linkedin_url,company,status\n"
        "Ann,Ames,ANN@acme.com,,Acme,replied\n"
        "Bobby,,,https://linkedin.com/in/Bob/,Acme,\n"
        "Cy,Cole,cy@acme.com,,acme,\n"
    )

    assert report.committed and not report.error
    assert [(r.line, r.action, r.reason) for r in report.rows] == [
        (2, "updated", "matched by email"),
        (3, "updated", "matched by LinkedIn URL"),
        (4, "created", ""),
    ]
    by_email.refresh_from_db()
    by_linkedin.refresh_from_db()
    assert (by_email.first_name, by_email.status) == ("Ann", "replied")
    assert by_linkedin.first_name == "Bobby"
    # The company is created once and found again by name, whatever its case.
    assert Company.objects.filter(name__iexact="acme").count() == 1
    assert Person.objects.get(email="cy@acme.com").company.name == "Acme"


def test_one_rejected_row_means_nothing_is_written():
    report = run(
        "first_name,email,phone\n"
        "Ann,ann@example.com,\n"
        "Bad,not-an-email,\n"
        "Cy,cy@example.com,12\n"
        ",,\n"
    )
    assert not report.committed
    assert [(r.line, r.action) for r in report.rows] == [
        (2, "created"),
        (3, "rejected"),
        (4, "rejected"),
    ]
    assert report.rows[1].reason.startswith("email: ")
    assert report.rows[2].reason == "phone: Not a valid phone number for its country."
    assert not Person.objects.exists()
    assert not Company.objects.exists()


def test_skip_invalid_imports_the_valid_rows():
    report = run(
        "first_name,email,strength\nAnn,ann@example.com,STRONG\nBad,,extreme\n", skip_invalid=True
    )
    assert report.committed
    assert (report.created, report.updated, report.rejected) == (1, 0, 1)
    assert report.rows[1].reason == "strength: “extreme” is not one of weak, medium, strong."
    assert Person.objects.get().strength == "strong"


def test_rows_of_the_same_file_dedupe_against_each_other():
    report = run("first_name,email\nAnn,ann@example.com\nAnnie,Ann@Example.com\n")
    assert [r.action for r in report.rows] == ["created", "updated"]
    assert Person.objects.get().first_name == "Annie"


def test_a_row_needs_a_name_email_or_linkedin():
    report = run("title,company\nCEO,Acme\n")
    assert report.rows[0].reason == "needs at least a name, an email or a LinkedIn URL."


def test_whole_file_problems_are_reported():
    assert run("color,size\nred,L\n").error.startswith("No known column in the first row")
    bad_bytes = run_bytes(b"first_name\n\xff\xfe\n")
    assert bad_bytes.error == "The file is not UTF-8 text; save it as “CSV UTF-8”."


def test_header_aliases_and_bom_are_understood():
    report = run("\ufeffFirst Name,Surname,E-mail,Company Name,Domain\nAda,King,ada@k.io,K,k.io\n")
    assert report.created == 1
    person = Person.objects.get()
    assert (person.first_name, person.last_name, person.company.domain) == ("Ada", "King", "k.io")


def test_existing_company_gets_a_missing_domain():
    company = CompanyFactory(name="Initech", domain="")
    run("first_name,company,company_domain\nPeter,Initech,initech.com\n")
    company.refresh_from_db()
    assert company.domain == "initech.com"


def test_import_query_count_is_flat_per_row(django_assert_max_num_queries):
    rows = "".join(f"P{i},p{i}@example.com,Acme\n" for i in range(30))
    # Lookups are three queries for the whole file; each row then costs its own savepoint,
    # insert and audit entry, never a lookup.
    with django_assert_max_num_queries(3 + 30 * 6 + 10):
        report = run("first_name,email,company\n" + rows)
    assert report.created == 30


# --- the page --------------------------------------------------------------------------------
