"""The people import in a browser, at desktop and phone widths: upload, a preview that flags a
row naming someone else and a repeated row, a mode picked on the preview (the plan redraws in
place), the import, and its undo."""

import pytest
from playwright.sync_api import expect

from contacts.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

CSV = (
    "first_name,last_name,email,linkedin_url,title\n"
    "Margaret,Hamilton,,https://www.linkedin.com/in/ada,Director\n"
    "Grace,Hopper,grace@navy.mil,,Admiral\n"
    "Gracie,Hopper,GRACE@navy.mil,,\n"
    "Ada,Lovelace,ada@analytical.io,,Analyst\n"
)


def no_sideways_scroll(page) -> bool:
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.tagName + '.' + e.className)"""
    )
    assert not wide, wide
    return True


@pytest.mark.parametrize("width", [1440, 390])
def test_preview_pick_a_mode_import_and_undo(logged_in, width):
    page = logged_in
    page.set_viewport_size({"width": width, "height": 900})
    ada = PersonFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@analytical.io",
        linkedin_url="https://www.linkedin.com/in/ada",
        title="",
    )

    page.goto("/people/import/")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Preview").click()

    plan = page.get_by_test_id("import-report")
    expect(plan.get_by_role("heading")).to_have_text("Preview: what importing would do")
    rows = plan.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("another name")
    expect(rows.nth(0)).to_contain_text("Matched Ada Lovelace by LinkedIn URL")
    expect(rows.nth(2)).to_contain_text("repeats line 3")
    # The default mode fills only empty fields: Ada's empty title would get one.
    expect(rows.nth(3)).to_contain_text("to update")
    expect(rows.nth(3)).to_contain_text("Title: (empty) → Analyst")
    assert no_sideways_scroll(page)

    # Create only: the plan redraws in place, Ada's row is now left alone.
    page.get_by_label("Create only").check()
    expect(rows.nth(3)).to_contain_text("create only leaves them as they are")
    page.get_by_label("Overwrite").check()
    expect(rows.nth(3)).to_contain_text("to update")
    assert Person.objects.count() == 1  # a preview writes nothing

    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_test_id("import-report").get_by_role("heading")).to_have_text(
        "Import report"
    )
    expect(page.get_by_role("status").first).to_contain_text(
        "Imported: 1 created, 1 updated, 2 skipped."
    )
    ada.refresh_from_db()
    assert (ada.full_name, ada.title) == ("Ada Lovelace", "Analyst")
    assert Person.objects.filter(email="grace@navy.mil").exists()
    assert no_sideways_scroll(page)

    page.get_by_role("button", name="Undo this import").click()
    expect(page.get_by_role("status").first).to_have_text(
        "Import undone: 1 person removed, 1 put back as they were."
    )
    expect(page.get_by_test_id("last-import")).to_contain_text("undone")
    ada.refresh_from_db()
    assert ada.title == ""
    assert not Person.objects.filter(email="grace@navy.mil").exists()
    assert no_sideways_scroll(page)


def test_a_bad_row_blocks_the_import_until_skipped(logged_in):
    page = logged_in
    PersonFactory(email="known@example.com", first_name="Known", last_name="")
    csv_text = (
        "first_name,last_name,email,company\n"
        "Ada,Lovelace,ada@example.com,Analytical\n"
        "Known,,KNOWN@example.com,\n"
        "Broken,Row,not-an-email,\n"
    )

    page.goto("/people/import/")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}]
    )
    page.get_by_role("button", name="Preview").click()
    plan = page.get_by_test_id("import-report")
    expect(plan).to_contain_text("importing writes nothing until the file is fixed")
    rows = plan.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("to create")
    expect(rows.nth(1)).to_contain_text("matched by email; nothing to change")
    expect(rows.nth(2)).to_contain_text("rejected")
    expect(rows.nth(2)).to_contain_text("email:")

    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was imported: 1 row rejected.")
    assert Person.objects.count() == 1

    page.get_by_label("Import the valid rows even if some are rejected").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_test_id("import-report").get_by_role("heading")).to_have_text(
        "Import report"
    )
    assert Person.objects.count() == 2
