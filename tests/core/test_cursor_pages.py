"""Cursor pages: every list walked by `cursor` gives exactly the rows its numbered pages give,
in every sort, at the same cost at any depth, and a cursor only works for the list that made it."""

import datetime
import html
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.api.cursors import make_cursor, ordered, page_after, sort_keys, strip_keys
from outreach.filters import SORT_KEYS
from outreach.models import Outreach, OutreachTransition
from tests.factories import (
    CompanyFactory,
    EnrichmentBatchFactory,
    FollowUpFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    TagFactory,
    UserFactory,
    WorkspaceFactory,
)
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def rows(user):
    """Rows of every list, with ties and empty sort keys, in the test desk."""
    owners = [UserFactory(username=f"owner-{n}") for n in "ab"]
    companies = [
        CompanyFactory(name=name, owner=owner)
        for name, owner in [
            ("Acme", owners[0]),
            ("Acme", owners[1]),
            ("Beta", None),
            ("Zed", owners[0]),
        ]
    ]
    sequences = [SequenceFactory(name=name) for name in ("Cadence", "Bravo", "Alpha")]
    tags = [TagFactory(name=name) for name in ("warm", "cold", "hot")]
    people = []
    for n in range(7):
        people.append(
            PersonFactory(
                company=companies[n % 4] if n != 6 else None,
                last_name=["Smith", "Smith", "Jones", "Ng", "Ng", "Smith", "Adams"][n],
                first_name=["Ann", "Ann", "Bo", "Cy", "Al", "Ann", "Di"][n],
            )
        )
    outreaches = []
    for n in range(13):
        person = people[n % len(people)]
        outreach = OutreachFactory(
            person=person if n % 5 else None,
            company=person.company if n % 5 else None,
            sequence=sequences[n % 3] if n % 4 else None,
            tag=tags[n % 3] if n % 2 else None,
            channel=["email", "phone", "linkedin"][n % 3],
            state=["waiting", "ready", None][n % 3],
            sent_at=NOW - datetime.timedelta(days=10) if n % 3 == 0 else None,
        )
        # Ties in the default order too.
        Outreach.objects.filter(pk=outreach.pk).update(
            created_at=NOW - datetime.timedelta(hours=n // 3)
        )
        outreaches.append(outreach)
    for n, outreach in enumerate(outreaches[:5]):
        FollowUpFactory(
            outreach=outreach, person=people[n], due_at=NOW + datetime.timedelta(days=n // 2)
        )
    for n in range(5):
        JobFactory(company=companies[n % 4], title=f"Engineer {n}")
    for _ in range(4):
        EnrichmentBatchFactory(actor=user)
    for n in range(6):
        OutreachTransition.objects.create(
            outreach=outreaches[0],
            transition=f"t{n}",
            from_state="a",
            to_state="b",
            created_at=NOW,
        )
    for n in range(5):
        AuditEntry.objects.create(
            workspace=user.membership.workspace,
            actor=user,
            actor_name="alice",
            action="update",
            created_at=NOW - datetime.timedelta(minutes=n // 2),
        )
    return outreaches


def outreach_sorts():
    sorts = [{}, {"direction": "asc"}, {"direction": "desc"}]
    for key in SORT_KEYS:
        sorts += [
            {"sort": key},
            {"sort": key, "direction": "asc"},
            {"sort": key, "direction": "desc"},
        ]
    return sorts


def lists(outreach_id: str = "") -> list[tuple[str, dict]]:
    every = [("/api/outreaches", params) for params in outreach_sorts()]
    every += [("/api/outreaches", {"channel": "email", "sort": "company"})]
    every += [("/api/outreaches", {"q": "smith", "sort": "owner", "direction": "desc"})]
    every += [(path, {}) for path in LIST_PATHS]
    every += [("/api/followups", {"due": "upcoming"}), ("/api/outreaches/stale", {"hours": "1"})]
    if outreach_id:
        every.append((f"/api/outreaches/{outreach_id}/transitions", {}))
    return every


LIST_PATHS = [
    "/api/people",
    "/api/companies",
    "/api/jobs",
    "/api/sequences",
    "/api/tags",
    "/api/followups",
    "/api/users",
    "/api/audit",
    "/api/enrichment_batches",
]


def identity(item: dict):
    return item.get("id", item.get("name"))


def numbered_walk(api, path: str, params: dict, per: int) -> list:
    seen, page = [], 1
    while True:
        body = api.get(f"{path}?{urlencode({**params, 'per': per, 'page': page})}").json()
        seen += [identity(item) for item in body["items"]]
        if page >= body["pagination"]["total_pages"]:
            assert body["pagination"]["next_cursor"] is None
            return seen
        page += 1


def cursor_walk(api, path: str, params: dict, per: int) -> list:
    body = api.get(f"{path}?{urlencode({**params, 'per': per})}").json()
    seen = [identity(item) for item in body["items"]]
    while cursor := body["pagination"]["next_cursor"]:
        response = api.get(f"{path}?{urlencode({**params, 'per': per, 'cursor': cursor})}")
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body["pagination"]) == {"per_page", "next_cursor"}
        seen += [identity(item) for item in body["items"]]
        assert len(seen) < 1000
    return seen


def test_every_list_and_sort_walks_the_same_rows_by_cursor_as_by_page(api, rows):
    for path, params in lists(rows[0].public_id):
        for per in (1, 4):
            numbered = numbered_walk(api, path, params, per)
            assert numbered, (path, params)
            assert cursor_walk(api, path, params, per) == numbered, (path, params, per)
        assert len(set(numbered)) == len(numbered)


def test_a_cursor_walk_neither_repeats_nor_skips_when_rows_are_added(api, rows):
    companies = list(CompanyFactory._meta.model.objects.order_by("name", "id")[:2])
    for params in outreach_sorts():
        existing = {o.public_id for o in Outreach.objects.all()}
        body = api.get(f"/api/outreaches?{urlencode({**params, 'per': 3})}").json()
        seen = [item["id"] for item in body["items"]]
        pages = 1
        while cursor := body["pagination"]["next_cursor"]:
            if pages <= 2:  # new rows land before, among and after the rows still to come
                for n, company in enumerate((None, *companies)):
                    new = OutreachFactory(person=None, company=company, channel="phone")
                    Outreach.objects.filter(pk=new.pk).update(
                        created_at=NOW - datetime.timedelta(hours=n * 2)
                    )
            query = urlencode({**params, "per": 3, "cursor": cursor})
            response = api.get(f"/api/outreaches?{query}")
            assert response.status_code == 200, response.content
            body = response.json()
            seen += [item["id"] for item in body["items"]]
            pages += 1
            assert pages < 100, params
        assert len(seen) == len(set(seen)), params
        assert existing <= set(seen), params


def queries_for(api, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_a_deep_cursor_page_costs_the_queries_of_the_first(api, rows):
    for path, params in [("/api/outreaches", p) for p in outreach_sorts()] + [
        (p, {}) for p in LIST_PATHS
    ]:
        body = api.get(f"{path}?{urlencode({**params, 'per': 1})}").json()
        first_cursor = body["pagination"]["next_cursor"]
        cursor = first_cursor
        for _ in range(3):
            query = urlencode({**params, "per": 1, "cursor": cursor})
            cursor = api.get(f"{path}?{query}").json()["pagination"]["next_cursor"] or cursor
        first = queries_for(
            api, f"{path}?{urlencode({**params, 'per': 1, 'cursor': first_cursor})}"
        )
        deep = queries_for(api, f"{path}?{urlencode({**params, 'per': 1, 'cursor': cursor})}")
        assert first == deep, (path, params)


def test_numbered_pages_offer_the_next_cursor_and_none_at_the_end(api, rows):
    total = Outreach.objects.count()
    first = api.get("/api/outreaches?per=5").json()["pagination"]
    assert isinstance(first["next_cursor"], str)
    last_page = -(-total // 5)
    last = api.get(f"/api/outreaches?per=5&page={last_page}").json()["pagination"]
    assert last["next_cursor"] is None
    # From page 2's cursor, the walk goes on with page 3.
    second = api.get("/api/outreaches?per=5&page=2").json()
    third = api.get(f"/api/outreaches?per=5&cursor={second['pagination']['next_cursor']}").json()
    expected = api.get("/api/outreaches?per=5&page=3").json()["items"]
    assert third["items"] == expected


def assert_refused(response):
    assert response.status_code == 400, response.content
    assert "cursor" in response.content.decode()


def test_a_bad_tampered_or_foreign_cursor_is_a_400_naming_cursor(api, rows):
    cursor = api.get("/api/outreaches?per=2&sort=company").json()["pagination"]["next_cursor"]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    people_cursor = api.get("/api/people?per=2").json()["pagination"]["next_cursor"]
    forged = make_cursor("not-this-list", [None, 1])
    for url in [
        "/api/outreaches?cursor=garbage&sort=company",
        "/api/outreaches?cursor=&sort=company",
        f"/api/outreaches?cursor={'x' * 5000}",
        f"/api/outreaches?sort=company&cursor={tampered}",
        f"/api/outreaches?sort=company&direction=desc&cursor={cursor}",  # another sort
        f"/api/outreaches?sort=channel&cursor={cursor}",
        f"/api/outreaches?sort=company&channel=email&cursor={cursor}",  # another filter
        f"/api/outreaches?cursor={cursor}",
        f"/api/people?cursor={cursor}",  # another list
        f"/api/outreaches?sort=company&cursor={people_cursor}",
        f"/api/outreaches?sort=company&cursor={forged}",
    ]:
        assert_refused(api.get(url))
    # `per` and `page` may change along the walk.
    assert api.get(f"/api/outreaches?sort=company&per=7&cursor={cursor}").status_code == 200


def test_another_workspaces_cursor_reveals_nothing(api, rows, client_for):
    theirs = WorkspaceFactory(name="Their agency")
    mallory = UserFactory(username="mallory", membership__workspace=theirs)
    company = CompanyFactory(workspace=theirs, name="Secret")
    for _ in range(3):
        OutreachFactory(person=None, company=company)
    their_api = client_for(mallory)
    their_cursor = their_api.get("/api/outreaches?per=1").json()["pagination"]["next_cursor"]
    response = api.get(f"/api/outreaches?per=1&cursor={their_cursor}")
    assert_refused(response)
    assert "Secret" not in response.content.decode()
    # And ours cannot read theirs.
    our_cursor = api.get("/api/outreaches?per=1").json()["pagination"]["next_cursor"]
    assert_refused(their_api.get(f"/api/outreaches?per=1&cursor={our_cursor}"))


def test_the_schema_documents_cursor_and_next_cursor(api):
    schema = api.get("/api/schema?format=json").json()
    for path in ["/api/outreaches", *LIST_PATHS]:
        operation = schema["paths"][path]["get"]
        assert "cursor" in {p["name"] for p in operation["parameters"]}, path
        envelope = operation["responses"]["200"]["content"]["application/json"]["schema"]
        if "$ref" in envelope:
            envelope = schema["components"]["schemas"][envelope["$ref"].rsplit("/", 1)[1]]
        pagination = envelope["properties"]["pagination"]["properties"]
        assert pagination["next_cursor"]["nullable"] is True, path


def plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_deep_cursor_page_is_an_index_range_on_postgresql(api, user):
    """Thousands of rows: the page after the 3,000th reads a page's worth of index entries, in
    the index's order, whatever the sort (no OFFSET, no sort of every row)."""
    workspace = user.membership.workspace
    other = WorkspaceFactory(name="Other")
    companies = [None, "Acme", "Beta", "Zed", "Mid"]
    Outreach.objects.bulk_create(
        Outreach(
            workspace=ws,
            channel=["email", "phone", "linkedin"][n % 3],
            sort_company=companies[n % 5],
            sort_owner=companies[(n + 1) % 5],
            sort_sequence=companies[(n + 2) % 5],
        )
        for ws in (workspace, other)
        for n in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE outreach_outreach")
    per = 20
    for params in outreach_sorts():
        deep = api.get(f"/api/outreaches?{urlencode({**params, 'per': per, 'page': 150})}")
        cursor = deep.json()["pagination"]["next_cursor"]
        url = f"/api/outreaches?{urlencode({**params, 'per': per, 'cursor': cursor})}"
        with CaptureQueriesContext(connection) as queries:
            body = api.get(url).json()
        assert len(body["items"]) == per
        [page_sql] = [q["sql"] for q in queries if 'FROM "outreach_outreach"' in q["sql"]]
        assert "OFFSET" not in page_sql.upper(), params
        with connection.cursor() as db:
            db.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + page_sql)
            plan = db.fetchone()[0][0]["Plan"]
        nodes = list(plan_nodes(plan))
        scans = [n for n in nodes if n.get("Relation Name") == "outreach_outreach"]
        assert all("Index" in n["Node Type"] for n in scans), (params, plan)
        read = sum(
            (n["Actual Rows"] + n.get("Rows Removed by Filter", 0)) * n["Actual Loops"]
            for n in scans
        )
        assert read <= 4 * (per + 1), (params, read, plan)
        sorted_rows = [n["Actual Rows"] for n in nodes if n["Node Type"] == "Sort"]
        assert all(rows <= 2 * (per + 1) for rows in sorted_rows), (params, plan)


DASHBOARD_LISTS = [
    ("/outreaches/", {}),
    ("/outreaches/", {"sort": "company", "direction": "desc"}),
    ("/outreaches/", {"sort": "owner"}),
    ("/people/", {}),
    ("/people/", {"sort": "company", "direction": "desc"}),
    ("/companies/", {"sort": "owner"}),
    ("/jobs/", {}),
    ("/jobs/", {"sort": "company"}),
    ("/audit/", {}),
]


def next_link(response) -> str | None:
    found = re.search(r'href="([^"]*)" rel="next"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def test_the_dashboards_next_link_walks_by_cursor_through_the_numbered_rows(dash, rows):
    for path, params in DASHBOARD_LISTS:
        numbered, number = [], 1
        while True:
            response = dash.get(path, {**params, "per": 2, "page": number})
            numbered += [row.pk for row in response.context["page"].items]
            if number >= response.context["page"].total_pages:
                break
            number += 1
        response = dash.get(path, {**params, "per": 2})
        walked = [row.pk for row in response.context["page"].items]
        while link := next_link(response):
            assert "cursor=" in link, (path, params)
            response = dash.get(f"{path}{link}")
            page = response.context["page"]
            walked += [row.pk for row in page.items]
            assert f"{page.start_index:,}–" in response.content.decode()
        assert walked == numbered, (path, params)


def test_a_dashboard_link_with_a_stale_cursor_shows_the_page_by_number(dash, rows):
    response = dash.get("/outreaches/", {"per": 2, "sort": "company"})
    link = next_link(response)
    other_sort = dash.get(f"/outreaches/{link.replace('sort=company', 'sort=channel')}")
    assert other_sort.status_code == 200
    by_number = dash.get("/outreaches/", {"per": 2, "sort": "channel", "page": 2})
    assert [r.pk for r in other_sort.context["page"].items] == [
        r.pk for r in by_number.context["page"].items
    ]
    tampered = dash.get("/outreaches/", {"per": 2, "page": 2, "cursor": "x" * 40})
    assert tampered.status_code == 200


@pytest.mark.parametrize(
    "ordering",
    [
        ["sort_company", "id"],
        ["-sort_company", "-id"],
        ["sort_company", "-id"],
        ["-sort_sequence", "id"],
        ["channel", "-sort_owner", "id"],
        ["-created_at"],
    ],
)
def test_keys_follow_the_databases_own_null_order_and_any_directions(rows, ordering):
    """Orders without NULLS FIRST/LAST: NULLs sort as the database sorts them (PostgreSQL:
    larger than any value; SQLite: smaller)."""
    queryset = Outreach.objects.order_by(*ordering)
    keys = sort_keys(queryset)
    queryset = ordered(queryset, keys)
    expected = list(queryset.values_list("pk", flat=True))
    first = queryset.values_list(*(key.name for key in keys))[:2]
    walked, last = [row[-1] for row in first], list(first[1])
    while last is not None:
        page, last = page_after(queryset, keys, last, 2)
        walked += [row.pk for row in page]
    assert walked == expected


def test_strip_keys_takes_the_key_annotations_out_of_every_row():
    rows = [
        {"id": 1, "cursor_key_0": "a", "cursor_key_1": 1, "name": "x"},
        {"id": 2, "cursor_key_0": "b", "cursor_key_1": 2, "name": "y"},
    ]
    assert strip_keys(rows) == [{"id": 1, "name": "x"}, {"id": 2, "name": "y"}]
    assert strip_keys([]) == []
    instances = [object()]
    assert strip_keys(instances) is instances  # model instances carry no annotations to strip
