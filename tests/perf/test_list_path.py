"""The list's fast path answers exactly what the serializer would, and counts honestly."""

import re
from unittest.mock import ANY

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import expressions
from core.api import pagination
from outreach.api.serializers import (
    OutreachSerializer,
    outreach_list_columns,
    outreach_list_items,
    outreach_list_values,
)
from outreach.models import Outreach
from tests.factories import (
    CompanyFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(db):
    """Outreaches with and without each reference, in several states, with dates set."""
    owner = UserFactory(username="owner-b")
    owned = CompanyFactory(name="Owned", owner=owner)
    ownerless = CompanyFactory(name="Ownerless", owner=None)
    sequence = SequenceFactory(name="Cadence")
    tag = TagFactory(name="warm")
    now = timezone.now()
    return [
        OutreachFactory(
            person=PersonFactory(company=owned),
            company=owned,
            sequence=sequence,
            tag=tag,
            outreach_type="GMail_DirectMessage",
            message_id="<a@b>",
            sent_at=now,
            subject="Hello",
            state="ready",
            delivery="performed",
        ),
        OutreachFactory(person=PersonFactory(company=ownerless), company=ownerless),
        OutreachFactory(person=None, company=None, channel="phone", approved=True),
        OutreachFactory(person=PersonFactory(company=None), company=None, state="waiting"),
    ]


def test_lean_items_equal_the_serializer_output(varied):
    columns = outreach_list_columns()
    assert columns is not None, "every OutreachSerializer field must map to a column"
    rows = Outreach.objects.order_by("pk").values(*columns)
    expected = [OutreachSerializer(o).data for o in Outreach.objects.for_api().order_by("pk")]
    items = outreach_list_items(rows)
    assert items == [dict(e) for e in expected]
    assert [list(i) for i in items] == [list(e) for e in expected]  # same key order too


def test_lean_datetimes_follow_the_current_time_zone(varied):
    columns = outreach_list_columns()
    with timezone.override("Europe/Paris"):
        items = outreach_list_items(Outreach.objects.order_by("pk").values(*columns))
        expected = [
            dict(OutreachSerializer(o).data) for o in Outreach.objects.for_api().order_by("pk")
        ]
    assert items == expected
    assert items[0]["created_at"].endswith(("+01:00", "+02:00"))


def test_pages_are_loaded_through_copies_of_values_resolved_once(api, varied):
    from outreach.api import serializers

    first, second = outreach_list_values(), outreach_list_values()
    assert first is not second
    expected = Outreach.objects.values(*outreach_list_columns())
    assert str(first.query) == str(expected.query)
    assert len(api.get("/api/outreaches").json()["items"]) == len(varied)
    assert serializers.OUTREACH_LEAN._values._result_cache is None  # the one kept is never read


def test_list_endpoint_answers_the_serializer_output(api, varied):
    body = api.get("/api/outreaches?direction=asc").json()
    expected = [dict(OutreachSerializer(o).data) for o in Outreach.objects.for_api().order_by("pk")]
    assert body["items"] == expected


def test_detail_answers_the_serializer_output(api, varied):
    for outreach in Outreach.objects.for_api().order_by("pk"):
        expected = dict(OutreachSerializer(outreach).data)
        assert api.get(f"/api/outreaches/{outreach.public_id}").json() == expected


def test_detail_reads_its_row_as_the_list_reads_a_page(api, varied):
    def selected(path):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path).status_code == 200
        # The widest SELECT of the request: the row's (the others are the token's and the count)
        return max((query["sql"].split(" FROM ")[0] for query in queries), key=len)

    # The same columns, not the four models for_api() would instantiate.
    assert selected(f"/api/outreaches/{varied[0].public_id}") == selected("/api/outreaches")


def test_sort_keys_are_copied_and_follow_renames(api, varied, user):
    from contacts.services import company_update
    from outreach.services.batches import outreaches_batch_assign_sequence
    from outreach.services.outreaches import outreach_update
    from outreach.services.sequences import sequence_delete, sequence_update

    first = Outreach.objects.get(pk=varied[0].pk)
    assert (first.sort_company, first.sort_owner, first.sort_sequence) == (
        "Owned",
        "owner-b",
        "Cadence",
    )
    company = first.company
    company_update(company=company, actor=user, name="Renamed", owner=user)
    sequence_update(sequence=first.sequence, actor=user, name="Cadence 2")
    first.refresh_from_db()
    assert (first.sort_company, first.sort_owner, first.sort_sequence) == (
        "Renamed",
        "alice",
        "Cadence 2",
    )
    user.username = "alice2"
    user.save()
    first.refresh_from_db()
    assert first.sort_owner == "alice2"

    other = SequenceFactory(name="Other")
    outreaches_batch_assign_sequence(ids=[varied[1].pk], sequence=other, actor=user)
    assert Outreach.objects.get(pk=varied[1].pk).sort_sequence == "Other"
    outreach_update(outreach=varied[2], actor=user, company=company)
    assert Outreach.objects.get(pk=varied[2].pk).sort_company == "Renamed"
    sequence_delete(sequence=other, actor=user)
    row = Outreach.objects.get(pk=varied[1].pk)
    assert (row.sequence_id, row.sort_sequence) == (None, None)


def test_empty_sort_keys_come_last_in_both_directions(api, varied):
    for direction in ("asc", "desc"):
        items = api.get(f"/api/outreaches?sort=sequence&direction={direction}").json()["items"]
        assert [i["sequence_id"] is None for i in items] == [False, True, True, True]
        items = api.get(f"/api/outreaches?sort=owner&direction={direction}").json()["items"]
        assert items[0]["owner_id"] is not None
        assert [i["owner_id"] for i in items[1:]] == [None, None, None]


def test_exact_counts_keep_the_four_keys(api, varied):
    pagination_info = api.get("/api/outreaches?per=3").json()["pagination"]
    assert pagination_info == {
        "next_cursor": ANY,
        "current_page": 1,
        "per_page": 3,
        "total_pages": 2,
        "total_count": 4,
    }


def test_large_counts_are_estimated_and_say_so(api, varied, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_EXACT_UP_TO", 2)
    info = api.get("/api/outreaches?per=3").json()["pagination"]
    if connection.vendor != "postgresql":
        # No estimator on SQLite: counted exactly, and said nothing.
        assert info == {
            "next_cursor": ANY,
            "current_page": 1,
            "per_page": 3,
            "total_pages": 2,
            "total_count": 4,
        }
        return
    assert info["count_is_estimate"] is True
    assert info["count_method"] == "planner_estimate"
    # Never below what the page proves: three rows shown and a full page means at least four.
    assert info["total_count"] >= 4
    assert info["total_pages"] == -(-info["total_count"] // 3)
    deep = api.get("/api/outreaches?per=1&page=3").json()["pagination"]
    assert deep["total_count"] >= 4  # a full page 3 of per=1 proves a fourth row
    # A page that ends before `per` rows proves the count: exact, whatever the estimate.
    last = api.get("/api/outreaches?per=3&page=2").json()["pagination"]
    assert last == {
        "next_cursor": ANY,
        "current_page": 2,
        "per_page": 3,
        "total_pages": 2,
        "total_count": 4,
    }


def test_a_page_beyond_any_table_is_empty_not_an_error(api, varied):
    response = api.get(f"/api/outreaches?page={2**62}&per=200")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_the_dashboard_list_says_when_its_count_is_estimated(client, user, varied, monkeypatch):
    client.force_login(user)
    monkeypatch.setattr(pagination, "COUNT_EXACT_UP_TO", 2)
    page = client.get("/outreaches/?per=3").content.decode()
    if connection.vendor != "postgresql":
        assert "1–3 of 4<" in page
        assert "All 4 matching" in page
        return
    assert "1–3 of about " in page
    assert "All about " in page
    # The last page ends early, which proves the count.
    assert "4–4 of 4<" in client.get("/outreaches/?per=3&page=2").content.decode()


def test_the_dashboard_list_reads_a_deep_page_by_ids(client, user, varied):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/outreaches/?per=1&page=3&sort=company").content.decode()
    assert "3–3 of 4<" in page
    rows = [q["sql"] for q in queries.captured_queries if "LIMIT 1 OFFSET 2" in q["sql"]]
    # One statement: the page's ids (selected alone, skipping two) inside the row query.
    assert len(rows) == 1
    assert rows[0].count("SELECT") >= 2


def test_search_does_not_sort_the_people_and_companies_it_matches(api, varied):
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/outreaches?q=owned")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 1
    searches = [q["sql"] for q in queries.captured_queries if "LIKE" in q["sql"]]
    assert searches, "the page and the count search"
    for sql in searches:
        # Person and Company order by name by default: inside IN (…) that sort is wasted.
        assert 'ORDER BY U0."' not in sql


@pytest.fixture
def smiths(db):
    """Seven outreaches of people called Smith, created a day apart, and two others."""
    company = CompanyFactory(name="Anvil")
    now = timezone.now()
    rows = []
    for day in range(7):
        outreach = OutreachFactory(person=PersonFactory(last_name="Smith", company=company))
        Outreach.objects.filter(pk=outreach.pk).update(
            created_at=now - timezone.timedelta(days=day)
        )
        rows.append(outreach.public_id)
    OutreachFactory.create_batch(2, person=PersonFactory(last_name="Jones"))
    return rows  # newest first


# The outreach statements a search sends, not its lookups of people and companies by text
# nor the page's rows read by id.
SEARCHING = re.compile(r'"person_id" (= ANY\(|IN \()|= \("outreach_outreach"\."person_id"\)')


def search_statements(api, query):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/outreaches?{query}")
    assert response.status_code == 200, response.json()
    sent = [q["sql"] for q in queries.captured_queries]
    searching = [sql for sql in sent if SEARCHING.search(sql)]
    # The people and the companies whose text matches, each read once.
    assert len([sql for sql in sent if "LIKE" in sql and sql not in searching]) == 2
    return response.json(), searching


@pytest.mark.parametrize(
    ("page", "per", "expected", "total"),
    [
        (1, 3, slice(0, 3), 7),
        (3, 3, slice(6, 7), 7),
        (2, 7, slice(0, 0), 7),
        (9, 50, slice(0, 0), 7),
    ],
)
def test_a_search_counts_its_matches_in_the_pass_that_finds_its_page(
    api, smiths, page, per, expected, total
):
    body, statements = search_statements(api, f"q=smith&per={per}&page={page}")
    assert [item["id"] for item in body["items"]] == smiths[expected]
    assert body["pagination"] == {
        "next_cursor": ANY,
        "current_page": page,
        "per_page": per,
        "total_pages": -(-total // per),
        "total_count": total,
    }
    if body["items"]:
        # One statement searches: it selects the page's ids and counts the matches.
        assert len(statements) == 1
        assert "OVER ()" in statements[0]
    else:
        # Past the end no row carries the count: it is counted as for any list.
        assert len(statements) == 2


def test_a_search_with_no_match_is_one_statement(api, smiths):
    body, statements = search_statements(api, "q=nobody-matches-this")
    assert body["items"] == []
    assert body["pagination"]["total_count"] == 0
    assert len(statements) == 1


def test_a_search_expected_to_match_many_is_estimated_like_any_large_list(api, smiths, monkeypatch):
    # Any estimate is above a cap of 0 (a few rows of one workspace are estimated at one or two).
    monkeypatch.setattr(pagination, "COUNT_EXACT_UP_TO", 0)
    body, statements = search_statements(api, "q=smith&per=3")
    assert [item["id"] for item in body["items"]] == smiths[:3]
    info = body["pagination"]
    if connection.vendor != "postgresql":
        # No estimator: SQLite counts every search in the pass that finds its page.
        assert info == {
            "next_cursor": ANY,
            "current_page": 1,
            "per_page": 3,
            "total_pages": 3,
            "total_count": 7,
        }
        return
    # The planner expects more than the cap: its estimate, said so, and the page read as any
    # list's (an index in the page's order finds a common term's first rows at once).
    assert info["count_is_estimate"] is True
    assert info["count_method"] == "planner_estimate"
    assert info["total_count"] >= 4  # a full page proves a fourth match
    assert len(statements) == 2  # the estimate (the counting page skipped), then the page
    # A page that ends early proves the count.
    last, _ = search_statements(api, "q=smith&per=3&page=3")
    assert last["pagination"]["total_count"] == 7
    assert "count_is_estimate" not in last["pagination"]


def test_a_search_sends_the_ids_it_matched_as_values_up_to_a_cap(api, smiths, monkeypatch):
    body, statements = search_statements(api, "q=smith&per=3")
    assert len(body["items"]) == 3 and body["pagination"]["total_count"] == 7
    # Read first and sent as values, not as a subquery the planner cannot see into.
    assert "LIKE" not in statements[0]
    if connection.vendor == "postgresql":
        assert '"outreach_outreach"."person_id" = ANY(' in statements[0]
        assert "::bigint[]" in statements[0]

    # A term matching more people than the cap is looked up row by row: the same page.
    monkeypatch.setattr(expressions, "MATCHES_READ_FIRST_UP_TO", 3)
    common, statements = search_statements(api, "q=smith&per=3")
    assert common["items"] == body["items"]
    assert "EXISTS(" in statements[-1] and "LIKE" in statements[-1]


def test_a_search_combines_with_filters_and_sorts(api, smiths):
    Outreach.objects.filter(pk__in=[int(pk.removeprefix("out_")) for pk in smiths[:3]]).update(
        current_state="ready"
    )
    body, _ = search_statements(api, "q=smith&status=ready&direction=asc&per=2")
    assert [item["id"] for item in body["items"]] == smiths[2:0:-1]
    assert body["pagination"]["total_count"] == 3


def test_the_dashboard_search_counts_with_its_page(client, user, smiths):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/outreaches/?q=smith&per=3").content.decode()
    assert "1–3 of 7<" in page
    statements = [q["sql"] for q in queries.captured_queries if "OVER ()" in q["sql"]]
    assert len(statements) == 1


def test_a_filterset_builds_its_form_class_once_and_each_form_its_own_fields():
    from outreach.filters import OutreachFilterSet, SequenceFilterSet

    first = OutreachFilterSet(data={"status": "ready"}).form
    second = OutreachFilterSet(data={"status": "new"}).form
    assert type(first) is type(second)
    assert first.fields["status"] is not second.fields["status"]
    first.fields["status"].label = "Changed on one page"
    assert OutreachFilterSet(data={}).form.fields["status"].label != "Changed on one page"
    # Each FilterSet class has its own.
    assert "active" in SequenceFilterSet(data={}).form.fields
    assert "active" not in OutreachFilterSet(data={}).form.fields


def test_forms_share_choice_lists_but_not_choices_assigned_on_one():
    from outreach.filters import OutreachFilterSet

    first = OutreachFilterSet(data={}).form.fields["status"]
    second = OutreachFilterSet(data={}).form.fields["status"]
    assert first is not second and first.widget is not second.widget
    assert first.choices is second.choices
    first.choices = [("", "Any"), ("ready", "Ready")]
    assert len(second.choices) > 2
    assert len(OutreachFilterSet(data={}).form.fields["status"].widget.choices) > 2
    assert not OutreachFilterSet(data={"status": "nonsense"}).is_valid()


def test_each_filterset_has_its_own_filters_without_copying_their_choices():
    from outreach.filters import OutreachFilterSet

    queryset = Outreach.objects.all()
    first = OutreachFilterSet(data={"status": "ready"}, queryset=queryset)
    second = OutreachFilterSet(data={"status": "new"}, queryset=queryset)
    declared = OutreachFilterSet.base_filters["status"]
    assert first.filters["status"] is not second.filters["status"] is not declared
    assert first.filters["status"].parent is first
    assert second.filters["status"].parent is second
    assert first.filters["status"].model is Outreach
    assert not hasattr(declared, "parent")
    # The choice list is shared, not copied on every request.
    assert first.filters["status"].extra["choices"] is declared.extra["choices"]
    assert list(first.qs.values_list("current_state", flat=True).distinct()) in ([], ["ready"])
    assert first.is_bound and first.data == {"status": "ready"} and first.request is None
    # A filter with a method calls it on its own FilterSet.
    searching = OutreachFilterSet(data={"q": "nobody-matches-this"}, queryset=queryset)
    assert searching.filters["q"].filter.f is searching.filters["q"]
    assert not searching.qs.exists()


def test_the_dashboard_page_summary_groups_thousands():
    from core.dashboard.pagination import Page

    deep = Page(items=[None] * 50, number=2001, per=50, total_count=1_179_615)
    assert deep.summary == "100,001–100,050 of 1,179,615"
    deep.count_is_estimate = True
    assert deep.summary == "100,001–100,050 of about 1,179,615"


def test_an_estimated_count_offers_no_last_page_link():
    from core.dashboard.pagination import Page

    exact = Page(items=[None] * 50, number=10, per=50, total_count=1_000_000)
    assert exact.nearby() == [1, None, 8, 9, 10, 11, 12, None, 20000]
    estimated = Page(
        items=[None] * 50, number=10, per=50, total_count=1_000_000, count_is_estimate=True
    )
    assert estimated.nearby() == [1, None, 8, 9, 10, 11, 12, None]
