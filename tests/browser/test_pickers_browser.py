"""Pickers in a browser, at desk and phone widths: a filter by company, person or owner is typed
by name and chosen with the keyboard or the pointer; the URL keeps the public id."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import CompanyFactory, OutreachFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [1440, 390]


@pytest.fixture
def desk(logged_in):
    ember = CompanyFactory(name="Ember Bio", domain="emberbio.com")
    cobalt = CompanyFactory(name="Cobalt Security", domain="cobalt.example")
    ada = PersonFactory(first_name="Ada", last_name="Lovelace", company=ember)
    PersonFactory(first_name="Bob", last_name="Babbage", company=cobalt)
    OutreachFactory(person=ada, subject="Hello Ada")
    OutreachFactory(person=PersonFactory(first_name="Cy", company=cobalt), subject="Hello Cy")
    return logged_in, ember, ada


@pytest.mark.parametrize("width", WIDTHS)
def test_a_company_is_picked_by_name_with_the_keyboard(desk, width):
    page, ember, _ = desk
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/people/")

    box = page.get_by_role("combobox", name="Company")
    box.click()
    box.press_sequentially("emb")
    listbox = page.get_by_role("listbox", name="Companies")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(box).to_have_attribute("aria-expanded", "true")
    # The suggestions stay on the screen at a phone's width.
    right = listbox.bounding_box()["x"] + listbox.bounding_box()["width"]
    assert right <= width, (right, width)

    box.press("ArrowDown")
    expect(listbox.get_by_role("option", name="Ember Bio")).to_have_attribute(
        "aria-selected", "true"
    )
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Ember Bio")

    page.get_by_role("button", name="Filter").click()
    # The shareable URL names the company by its id only; the box shows its name.
    expect(page).to_have_url(re.compile(rf"company_id={ember.public_id}(&|$)"))
    assert "company_id_name" not in page.url
    expect(page.get_by_role("combobox", name="Company")).to_have_value("Ember Bio")
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_text("Bob Babbage")).to_have_count(0)

    # Emptying the box and filtering again drops the filter.
    page.get_by_role("combobox", name="Company").fill("")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Bob Babbage").first).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_person_picked_under_more_filters_filters_the_outreaches_in_place(desk, width):
    page, _, ada = desk
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/outreaches/")
    expect(page.locator("input.js-row-check")).to_have_count(2)

    page.get_by_text("More filters").click()
    box = page.get_by_role("combobox", name="Person")
    box.click()
    box.press_sequentially("love")
    option = page.get_by_role("option", name=re.compile("Ada Lovelace"))
    expect(option).to_be_visible()
    option.click()

    # The list refreshes itself (htmx) and the address bar keeps the person's id.
    expect(page.locator("input.js-row-check")).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"person_id={ada.public_id}"))
    assert "person_id_name" not in page.url
    expect(box).to_have_value("Ada Lovelace")

    page.reload()
    expect(page.get_by_role("combobox", name="Person")).to_have_value("Ada Lovelace")
    expect(page.locator("input.js-row-check")).to_have_count(1)


def test_escape_closes_the_suggestions_and_a_name_typed_without_choosing_still_filters(desk):
    page = desk[0]
    page.goto("/people/")
    box = page.get_by_role("combobox", name="Company")
    box.click()
    box.press_sequentially("cobalt")
    listbox = page.get_by_role("listbox", name="Companies")
    expect(listbox.get_by_role("option")).to_have_count(1)
    box.press("Escape")
    expect(listbox).to_be_hidden()
    # Submitted as typed: the server finds the one company it names.
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("combobox", name="Company")).to_have_value("Cobalt Security")
    expect(page.get_by_text("Bob Babbage").first).to_be_visible()
    expect(page.get_by_text("Ada Lovelace")).to_have_count(0)
