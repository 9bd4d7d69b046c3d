"""People CSV import: matching by email then LinkedIn URL, the three modes, flags for a row
naming someone else and for repeated rows, unchanged rows, one transaction, undo."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts import services
from contacts.csv_import import (
    people_import_csv,
    people_import_plan,
    people_import_preview,
    people_import_run,
    people_import_undo,
)
from contacts.models import Company, PeopleImport, Person
from core.errors import Conflict
from tests.factories import CompanyFactory, OutreachFactory, PersonFactory, default_workspace
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db

ADA_LINKEDIN = "https://www.linkedin.com/in/ada"


def run_bytes(data: bytes, **kwargs):
    return people_import_csv(
        file=io.BytesIO(data), actor=None, workspace=default_workspace(), **kwargs
    )


def run(text: str, **kwargs):
    return run_bytes(text.encode(), **kwargs)


def rows(report):
    return [(r.line, r.action) for r in report.rows]


@pytest.fixture
def ada():
    return PersonFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@analytical.io",
        linkedin_url=ADA_LINKEDIN,
        title="",
        phone="",
        company=CompanyFactory(name="Analytical"),
    )


# --- matching and modes ----------------------------------------------------------------------


def test_overwrite_updates_matches_by_email_then_linkedin():
    by_email = PersonFactory(first_name="Ann", last_name="", email="ann@acme.com", linkedin_url="")
    by_linkedin = PersonFactory(
        first_name="Bob", last_name="", email="", linkedin_url="https://www.linkedin.com/in/bob"
    )
    report = run(
        "first_name,last_name,email,linkedin_url,company,status\n"
        "Ann,Ames,ANN@acme.com,,Acme,replied\n"
        "bob,,,https://linkedin.com/in/Bob/,Acme,\n"
        "Cy,Cole,cy@acme.com,,acme,\n",
        mode="overwrite",
    )

    assert report.committed and not report.error
    assert [(r.line, r.action, r.reason) for r in report.rows] == [
        (2, "updated", "matched by email"),
        (3, "updated", "matched by LinkedIn URL"),
        (4, "created", ""),
    ]
    by_email.refresh_from_db()
    by_linkedin.refresh_from_db()
    assert (by_email.first_name, by_email.last_name, by_email.status) == ("Ann", "Ames", "replied")
    assert by_email.email == "ann@acme.com"  # the same address in other case is no change
    assert by_linkedin.first_name == "bob"
    # The company is created once and found again by name, whatever its case.
    assert Company.objects.filter(name__iexact="acme").count() == 1
    assert Person.objects.get(email="cy@acme.com").company.name == "Acme"


def test_each_change_is_listed_with_its_value_before_and_after(ada):
    report = run(
        "first_name,last_name,email,title,company\n"
        "Ada,Lovelace,ada@analytical.io,Analyst,Engines Ltd\n",
        mode="overwrite",
    )
    (row,) = report.rows
    assert row.action == "updated"
    assert [(c.label, c.before, c.after) for c in row.changes] == [
        ("Title", "", "Analyst"),
        ("Company", "Analytical", "Engines Ltd"),
    ]
    ada.refresh_from_db()
    assert (ada.title, ada.company.name) == ("Analyst", "Engines Ltd")


def test_fill_empty_adds_what_is_missing_and_keeps_the_rest(ada):
    ada.title = "Countess"
    ada.save()
    report = run(
        "first_name,last_name,email,title,phone\n"
        "Ada,Lovelace,ada@analytical.io,Analyst,+44 20 7946 0958\n",
        mode="fill_empty",
    )
    (row,) = report.rows
    assert row.action == "updated"
    assert [(c.field, c.before, c.after) for c in row.changes] == [("phone", "", "+442079460958")]
    assert [(c.field, c.before, c.after) for c in row.kept] == [("title", "Countess", "Analyst")]
    ada.refresh_from_db()
    assert (ada.title, ada.phone) == ("Countess", "+442079460958")


def test_fill_empty_is_the_default(ada):
    ada.title = "Countess"
    ada.save()
    report = run("email,title\nada@analytical.io,Analyst\n")
    assert report.rows[0].action == "unchanged"
    assert report.rows[0].reason == "matched by email; the mode keeps what is here"
    ada.refresh_from_db()
    assert ada.title == "Countess"


def test_create_only_creates_and_leaves_matches_alone(ada):
    report = run(
        "first_name,last_name,email,title\n"
        "Ada,Lovelace,ada@analytical.io,Analyst\n"
        "Grace,Hopper,grace@navy.mil,Admiral\n",
        mode="create_only",
    )
    assert rows(report) == [(2, "skipped"), (3, "created")]
    assert report.rows[0].reason == (
        "Already here (matched by email); create only leaves them as they are."
    )
    assert [c.field for c in report.rows[0].kept] == ["title"]
    ada.refresh_from_db()
    assert ada.title == ""
    assert Person.objects.filter(email="grace@navy.mil").exists()


def test_reimporting_the_same_file_is_unchanged_not_updated():
    text = (
        "first_name,last_name,email,company,company_domain\n"
        "Ada,Lovelace,ada@analytical.io,Analytical,analytical.io\n"
        "Grace,Hopper,grace@navy.mil,Navy,\n"
    )
    assert run(text, mode="overwrite").created == 2
    again = run(text, mode="overwrite")
    assert rows(again) == [(2, "unchanged"), (3, "unchanged")]
    assert again.rows[0].reason == "matched by email; nothing to change"
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.summary() == "0 created, 0 updated, 2 unchanged"
    # Nothing was written: no update entry in the audit log.
    assert not AuditEntry.objects.filter(action="update").exists()


# --- flags -----------------------------------------------------------------------------------


def test_a_row_naming_someone_else_is_flagged_and_left_alone(ada):
    text = f"first_name,last_name,linkedin_url,title\nMargaret,Hamilton,{ADA_LINKEDIN},Director\n"
    report = run(text, mode="overwrite")
    (row,) = report.rows
    assert row.name_differs == "Ada Lovelace"
    assert row.action == "skipped"
    assert row.reason == (
        "Matched Ada Lovelace by LinkedIn URL, but the file names Margaret Hamilton: left as "
        "is. Tick “Also update people whose name differs” to change them."
    )
    assert [(c.field, c.before, c.after) for c in row.kept] == [
        ("first_name", "Ada", "Margaret"),
        ("last_name", "Lovelace", "Hamilton"),
        ("title", "", "Director"),
    ]
    ada.refresh_from_db()
    assert (ada.first_name, ada.last_name, ada.title) == ("Ada", "Lovelace", "")


def test_a_name_change_is_made_only_when_accepted(ada):
    text = f"first_name,last_name,linkedin_url\nMargaret,Hamilton,{ADA_LINKEDIN}\n"
    report = run(text, mode="overwrite", accept_name_changes=True)
    (row,) = report.rows
    assert (row.action, row.name_differs) == ("updated", "Ada Lovelace")
    ada.refresh_from_db()
    assert ada.full_name == "Margaret Hamilton"


def test_the_same_name_in_other_case_is_not_another_name(ada):
    report = run("first_name,last_name,email\nADA,lovelace,ada@analytical.io\n", mode="overwrite")
    assert report.rows[0].name_differs == ""
    assert report.rows[0].action == "updated"


def test_rows_repeating_a_person_in_the_file_are_flagged_and_skipped():
    report = run(
        "first_name,email,linkedin_url\n"
        "Ann,ann@example.com,\n"
        "Annie,Ann@Example.com,https://www.linkedin.com/in/ann\n"
        "Ann L,,https://www.linkedin.com/in/ann\n"
        "Bo,bo@example.com,\n",
        mode="overwrite",
    )
    assert rows(report) == [(2, "created"), (3, "skipped"), (4, "skipped"), (5, "created")]
    assert [r.duplicate_of for r in report.rows] == [None, 2, 2, None]
    assert report.rows[1].reason == "Repeats line 2 (the same email); only line 2 is imported."
    # Line 4 shares only line 3's LinkedIn URL, which line 3 showed to be line 2's person.
    assert report.rows[2].reason == (
        "Repeats line 2 (the same LinkedIn URL); only line 2 is imported."
    )
    assert report.rows[0].repeated_on == [3, 4]
    assert report.duplicates == 2
    assert Person.objects.get(email="ann@example.com").first_name == "Ann"


def test_two_rows_reaching_one_person_here_by_different_keys_are_repeats(ada):
    report = run(
        "first_name,last_name,email,linkedin_url,title\n"
        "Ada,Lovelace,ada@analytical.io,,Analyst\n"
        f"Ada,Lovelace,,{ADA_LINKEDIN},Countess\n",
        mode="overwrite",
    )
    assert rows(report) == [(2, "updated"), (3, "skipped")]
    assert report.rows[1].reason == (
        "Repeats line 2 (the same person here); only line 2 is imported."
    )
    ada.refresh_from_db()
    assert ada.title == "Analyst"


# --- one transaction, rejected rows, whole-file problems --------------------------------------


def test_one_rejected_row_means_nothing_is_written():
    report = run(
        "first_name,email,phone\n"
        "Ann,ann@example.com,\n"
        "Bad,not-an-email,\n"
        "Cy,cy@example.com,12\n"
        ",,\n"
    )
    assert not report.committed
    assert rows(report) == [(2, "created"), (3, "rejected"), (4, "rejected")]
    assert report.rows[1].reason.startswith("email: ")
    assert report.rows[2].reason == "phone: Not a valid phone number for its country."
    assert not Person.objects.exists()
    assert not Company.objects.exists()
    assert not PeopleImport.objects.exists()


def test_skip_invalid_imports_the_valid_rows():
    report = run(
        "first_name,email,strength\nAnn,ann@example.com,STRONG\nBad,,extreme\n", skip_invalid=True
    )
    assert report.committed
    assert (report.created, report.updated, report.rejected) == (1, 0, 1)
    assert report.rows[1].reason == "strength: “extreme” is not one of weak, medium, strong."
    assert Person.objects.get().strength == "strong"


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


def test_a_new_address_clears_the_bounce_flag(ada):
    Person.objects.filter(pk=ada.pk).update(email_invalid=True)
    run(f"linkedin_url,email\n{ADA_LINKEDIN},ada@lovelace.me\n", mode="overwrite")
    ada.refresh_from_db()
    assert (ada.email, ada.email_invalid) == ("ada@lovelace.me", False)


def test_every_write_is_in_the_audit_log(ada):
    run(
        "first_name,last_name,email,title,company\n"
        "Ada,Lovelace,ada@analytical.io,Analyst,\n"
        "Grace,Hopper,grace@navy.mil,,Navy\n",
        mode="overwrite",
    )
    grace = Person.objects.get(email="grace@navy.mil")
    entries = {(e.action, e.object_id): e.changes for e in AuditEntry.objects.all()}
    assert entries[("update", ada.public_id)] == {"title": ["", "Analyst"]}
    assert entries[("create", grace.public_id)]["company"] == [None, grace.company.public_id]
    assert ("create", grace.company.public_id) in entries
    assert entries[("import", str(PeopleImport.objects.get().pk))]["created"] == [None, 1]


def test_import_query_count_is_flat(django_assert_max_num_queries):
    PersonFactory(email="p0@example.com", first_name="", last_name="")
    rows_ = "".join(f"P{i},p{i}@example.com,Acme {i % 3}\n" for i in range(200))
    # Lookups are three queries for the whole file, the writes a few statements per model.
    with django_assert_max_num_queries(20):
        report = run("first_name,email,company\n" + rows_, mode="overwrite")
    assert (report.created, report.updated) == (199, 1)
    assert Company.objects.filter(name__startswith="Acme ").count() == 3


# --- preview then import ---------------------------------------------------------------------


def preview(text: str, **kwargs):
    return people_import_preview(
        file=io.BytesIO(text.encode()),
        actor=None,
        workspace=default_workspace(),
        file_name="people.csv",
        **kwargs,
    )


def test_a_preview_writes_nothing_but_the_file(ada):
    text = (
        "first_name,last_name,email,title\n"
        "Ada,Lovelace,ada@analytical.io,Analyst\n"
        "Grace,,g@n.mil,\n"
    )
    report = preview(text)
    assert report.previewed and not report.committed
    assert rows(report) == [(2, "updated"), (3, "created")]
    assert Person.objects.count() == 1
    assert PeopleImport.objects.get().status == "previewed"

    other = people_import_plan(people_import=report.people_import, actor=None, mode="create_only")
    assert rows(other) == [(2, "skipped"), (3, "created")]

    done = people_import_run(people_import=report.people_import, actor=None, mode="overwrite")
    assert done.committed and rows(done) == [(2, "updated"), (3, "created")]
    kept = PeopleImport.objects.get()
    assert (kept.status, kept.mode, kept.text) == ("imported", "overwrite", "")
    assert kept.counts["created"] == 1
    with pytest.raises(Conflict, match="imported already"):
        people_import_run(people_import=kept, actor=None, mode="overwrite")


def test_an_unreadable_file_is_not_kept():
    report = preview("color\nred\n")
    assert report.error.startswith("No known column")
    assert not PeopleImport.objects.exists()


# --- undo ------------------------------------------------------------------------------------

IMPORT = (
    "first_name,last_name,email,title,company,company_domain\n"
    "Ada,Lovelace,ada@analytical.io,Analyst,Engines Ltd,engines.io\n"
    "Grace,Hopper,grace@navy.mil,Admiral,Navy,navy.mil\n"
)


def test_undo_removes_what_was_created_and_puts_back_what_changed(ada):
    original_company = ada.company_id
    run(IMPORT, mode="overwrite")
    ada.refresh_from_db()
    assert (ada.title, ada.company.name) == ("Analyst", "Engines Ltd")

    result = people_import_undo(people_import=PeopleImport.objects.get(), actor=None)

    assert (result.removed, result.restored, result.companies_removed) == (1, 1, 2)
    ada.refresh_from_db()
    assert (ada.title, ada.company_id) == ("", original_company)
    assert not Person.objects.filter(email="grace@navy.mil").exists()
    assert not Company.objects.filter(name__in=["Engines Ltd", "Navy"]).exists()
    assert PeopleImport.objects.get().status == "undone"
    assert AuditEntry.objects.filter(action="import", changes__undone=[False, True]).exists()
    with pytest.raises(Conflict, match="undone already"):
        people_import_undo(people_import=PeopleImport.objects.get(), actor=None)


def test_undo_puts_back_a_filled_company_domain():
    company = CompanyFactory(name="Initech", domain="")
    run("first_name,company,company_domain\nPeter,Initech,initech.com\n")
    people_import_undo(people_import=PeopleImport.objects.get(), actor=None)
    company.refresh_from_db()
    assert company.domain == ""
    assert not Person.objects.filter(first_name="Peter").exists()


def test_undo_is_refused_when_a_person_was_edited_since(ada):
    run(IMPORT, mode="overwrite")
    ada.refresh_from_db()
    services.person_update(person=ada, actor=None, phone="+44 20 7946 0958")

    with pytest.raises(Conflict) as refused:
        people_import_undo(people_import=PeopleImport.objects.get(), actor=None)

    assert refused.value.message == (
        "This import cannot be undone: Ada Lovelace was edited after the import. "
        "Nothing was changed."
    )
    assert refused.value.status_code == 409
    assert Person.objects.filter(email="grace@navy.mil").exists()
    ada.refresh_from_db()
    assert ada.title == "Analyst"
    assert PeopleImport.objects.get().status == "imported"


def test_undo_is_refused_when_an_imported_value_was_changed_without_an_edit(ada):
    run(IMPORT, mode="overwrite")
    # Effects of outreaches write in bulk, without touching updated_at.
    Person.objects.filter(pk=ada.pk).update(title="Chief")
    with pytest.raises(Conflict, match="Ada Lovelace was edited after the import"):
        people_import_undo(people_import=PeopleImport.objects.get(), actor=None)


def test_undo_is_refused_when_a_created_person_has_outreaches_now():
    run(IMPORT)
    grace = Person.objects.get(email="grace@navy.mil")
    OutreachFactory(person=grace)
    with pytest.raises(Conflict, match="Grace Hopper has outreaches now"):
        people_import_undo(people_import=PeopleImport.objects.get(), actor=None)
    assert Person.objects.filter(pk=grace.pk).exists()


def test_undo_is_refused_when_a_created_company_gained_people():
    run(IMPORT)
    PersonFactory(first_name="Later", company=Company.objects.get(name="Navy"))
    with pytest.raises(Conflict, match="Navy has people now"):
        people_import_undo(people_import=PeopleImport.objects.get(), actor=None)
    assert Person.objects.filter(email="grace@navy.mil").exists()


def test_only_the_latest_import_can_be_undone():
    run(IMPORT)
    run("first_name,email\nZed,zed@example.com\n")
    first = PeopleImport.objects.order_by("id").first()
    with pytest.raises(Conflict, match="Only the latest import"):
        people_import_undo(people_import=first, actor=None)


def test_undo_of_an_unchanged_reimport_changes_nothing(ada):
    before = Person.objects.get(pk=ada.pk).updated_at
    run("first_name,last_name,email\nAda,Lovelace,ada@analytical.io\n", mode="overwrite")
    result = people_import_undo(people_import=PeopleImport.objects.get(), actor=None)
    assert (result.removed, result.restored) == (0, 0)
    assert Person.objects.get(pk=ada.pk).updated_at == before


def test_old_previews_are_dropped():
    old = preview("first_name\nAnn\n").people_import
    PeopleImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=2)
    )
    preview("first_name\nBo\n")
    assert list(PeopleImport.objects.values_list("file_name", flat=True)) == ["people.csv"]
    assert not PeopleImport.objects.filter(pk=old.pk).exists()


def test_a_row_left_alone_for_another_name_does_not_claim_the_match(ada):
    report = run(
        "first_name,last_name,email,linkedin_url,title\n"
        f"Margaret,Hamilton,,{ADA_LINKEDIN},Director\n"
        "Ada,Lovelace,ada@analytical.io,,Analyst\n",
        mode="overwrite",
    )
    assert rows(report) == [(2, "skipped"), (3, "updated")]
    ada.refresh_from_db()
    assert (ada.first_name, ada.title) == ("Ada", "Analyst")


def test_the_readme_example():
    first = (
        "first_name,last_name,email,linkedin_url,title\n"
        "Ada,Lovelace,ada@example.org,https://www.linkedin.com/in/ada-example,\n"
        "Ada,Lovelace,ADA@example.org,,Analyst\n"
    )
    report = run(first)
    assert rows(report) == [(2, "created"), (3, "skipped")]
    assert report.rows[1].reason == "Repeats line 2 (the same email); only line 2 is imported."
    assert rows(run(first)) == [(2, "unchanged"), (3, "skipped")]

    second = preview(
        "first_name,last_name,email,linkedin_url,title\n"
        "Margaret,Hamilton,,https://www.linkedin.com/in/ada-example,Director\n"
        "Ada,Lovelace,ada@example.org,,Analyst\n"
    )
    assert rows(second) == [(2, "skipped"), (3, "updated")]
    assert second.rows[0].reason.startswith(
        "Matched Ada Lovelace by LinkedIn URL, but the file names Margaret Hamilton: left as is."
    )
    assert [(c.label, c.before, c.after) for c in second.rows[1].changes] == [
        ("Title", "", "Analyst")
    ]


def test_a_preview_imported_elsewhere_meanwhile_is_not_imported_twice():
    report = preview("first_name,email\nAnn,ann@example.com\n")
    stale = PeopleImport.objects.get(pk=report.people_import.pk)  # a second click's copy
    people_import_run(people_import=report.people_import, actor=None, mode="overwrite")
    with pytest.raises(Conflict, match="imported already"):
        people_import_run(people_import=stale, actor=None, mode="overwrite")
    assert Person.objects.count() == 1


def test_import_and_undo_cost_the_same_queries_for_1_new_row_and_200():
    PersonFactory(email="old@example.com", first_name="", last_name="", title="")

    def cost(size: int) -> tuple[int, int]:
        lines = "".join(f"P{i},p{i}@example.com,Acme {i % 3},T{i}\n" for i in range(size))
        text = "first_name,email,company,title\nOld,old@example.com,,CEO\n" + lines
        with CaptureQueriesContext(connection) as imported:
            report = run(text, mode="overwrite")
        assert (report.created, report.updated) == (size, 1)
        with CaptureQueriesContext(connection) as undone:
            people_import_undo(people_import=PeopleImport.objects.latest("id"), actor=None)
        assert Person.objects.count() == 1
        return len(imported), len(undone)

    one, many = cost(1), cost(200)
    # Four lookups (people by email and by LinkedIn URL, companies, the suppression list), the
    # import's row, an insert and an update per model, the audit entries.
    assert one[0] <= 14
    # 199 more rows cost only a few more chunks of an insert or a delete (the database's limit
    # of parameters a statement), never a statement per row.
    assert many[0] - one[0] <= 4
    assert many[1] - one[1] <= 2
