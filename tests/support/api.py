"""What every list/detail resource of the REST API promises alike, written once.

A resource's test module declares what it serves and inherits the cases, as NetBox's
`utilities/testing/api.py` (`APIViewTestCases`) does:

    class TestCompaniesResource(ResourceCases):
        path = "/api/companies"
        prefix = "com"
        make = CompanyFactory
        create_payload = {"name": "Acme"}

`ListCases` are the list's promises (the envelope, paging, a query count that does not grow with
the page, authentication), `DetailCases` the detail's (an unknown key is 404, a trailing slash
is accepted, PUT is not offered), `PublicIdCases` those of a detail addressed by a public id (a
malformed id is 404 too), `CreateCases` those of POST (a created row reads back as answered).
`ResourceCases` is all four, `ReadOnlyResourceCases` all but creating. Only what a resource
answers in its own way (its fields, order, filters, writes, errors) is left to its own tests.
"""

from collections.abc import Callable
from typing import Any
from unittest.mock import ANY
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.public_ids import PREFIXES

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
NOT_FOUND = {"detail": "Not found."}

# A bad `per` or `page` is a 400 naming the parameter, with these words.
BAD_PAGING = [
    ({"per": "201"}, {"per": ["Must be at most 200."]}),
    ({"per": "0"}, {"per": ["Must be 1 or more."]}),
    ({"per": "1.5"}, {"per": ["A whole number is required."]}),
    ({"page": "0"}, {"page": ["Must be 1 or more."]}),
    ({"page": "-3"}, {"page": ["Must be 1 or more."]}),
    ({"page": "abc"}, {"page": ["A whole number is required."]}),
    ({"page": "first"}, {"page": ["A whole number is required."]}),
]

# Ids that are no id of the resource: `{prefix}` is its own prefix, `{other}` every other
# kind's (core.public_ids.PREFIXES).
MALFORMED_IDS = [
    "1",
    "7",
    "42",
    "999",
    "xyz",
    "alice",
    "{other}_1",
    "{prefix}_",
    "{prefix}_x",
    "{prefix}_abc",
    "{prefix}_one",
    "{prefix}_0",
    "{prefix}_-1",
    "{prefix}_1.5",
    "{prefix}_1x",
    "{prefix}_99999999999999999999",
    "{PREFIX}_1",
]


class ListCases:
    """The list at `path`: its envelope, its paging, its query count, its authentication."""

    path: str
    """The list's path, e.g. "/api/companies"; a detail is `{path}/{key}`."""
    make: Callable[[], Any]
    """Makes one row the list shows: a factory, or a staticmethod."""
    prefix: str | None = None
    """The public id prefix of the rows ("com"); None when rows are addressed otherwise."""
    existing: int = 0
    """Rows the list shows before the test makes any (the users list shows the API's user)."""
    item_key: str = "id"
    """The field of an item that addresses it in a detail path."""
    writes: tuple[str, ...] = ()
    """The detail's verbs besides GET."""

    def _make(self):
        return type(self).make()

    def key_of(self, obj) -> str:
        """The key that addresses `obj` in a detail path: its public id."""
        return f"{self.prefix}_{obj.pk}"

    def detail(self, obj) -> str:
        return f"{self.path}/{quote(self.key_of(obj))}"

    def test_the_list_answers_the_envelope(self, api):
        for _ in range(3):
            self._make()
        total = self.existing + 3

        response = api.get(self.path, {"per": 2})

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"items", "pagination"}
        assert body["pagination"] == {
            "next_cursor": ANY,
            "current_page": 1,
            "per_page": 2,
            "total_pages": (total + 1) // 2,
            "total_count": total,
        }
        assert len(body["items"]) == 2
        if self.prefix:
            assert all(item["id"].startswith(f"{self.prefix}_") for item in body["items"])

    def test_a_list_without_rows_has_no_pages_and_fifty_rows_a_page(self, api):
        body = api.get(self.path).json()

        assert set(body) == {"items", "pagination"}
        assert len(body["items"]) == self.existing
        assert body["pagination"] == {
            "next_cursor": ANY,
            "current_page": 1,
            "per_page": 50,
            "total_pages": (self.existing + 49) // 50,
            "total_count": self.existing,
        }

    def test_a_page_past_the_end_is_empty(self, api):
        self._make()

        response = api.get(self.path, {"per": 2, "page": 9})

        assert response.status_code == 200
        assert response.json()["items"] == []
        assert response.json()["pagination"]["total_count"] == self.existing + 1

    @pytest.mark.parametrize(("params", "error"), BAD_PAGING)
    def test_bad_paging_is_400_naming_the_parameter(self, api, params, error):
        response = api.get(self.path, params)

        assert response.status_code == 400
        assert response.json() == error

    def test_list_queries_do_not_grow_with_the_page(self, api):
        for _ in range(5):
            self._make()
        with CaptureQueriesContext(connection) as one:
            assert len(api.get(self.path, {"per": 1}).json()["items"]) == 1
        with CaptureQueriesContext(connection) as many:
            assert len(api.get(self.path, {"per": 200}).json()["items"]) == self.existing + 5

        assert len(many) == len(one), [q["sql"] for q in many.captured_queries]

    @pytest.mark.parametrize(
        ("method", "on"),
        [
            ("get", "list"),
            ("post", "list"),
            ("get", "detail"),
            ("patch", "detail"),
            ("delete", "detail"),
        ],
    )
    def test_anonymous_is_401_and_changes_nothing(self, anon, db, method, on):
        obj = self._make()
        rows = type(obj).objects.count()

        response = getattr(anon, method)(self.path if on == "list" else self.detail(obj))

        assert response.status_code == 401
        assert response.json() == NOT_AUTHENTICATED
        assert type(obj).objects.count() == rows
        assert type(obj).objects.filter(pk=obj.pk).exists()

    def test_a_wrong_token_is_401(self, anon, db):
        anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

        response = anon.get(self.path)

        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid token."}


class DetailCases:
    """The detail at `{path}/{key}`: an unknown key is 404 for every verb it offers."""

    not_found: dict = NOT_FOUND
    """What a 404 answers."""
    unknown_key: str = ""
    """A key no row has; by default `{prefix}_999999`."""

    def detail_methods(self) -> list[str]:
        return ["get", *self.writes]

    def test_an_unknown_key_is_404(self, api):
        key = self.unknown_key or f"{self.prefix}_999999"
        for method in self.detail_methods():
            for path in (f"{self.path}/{key}", f"{self.path}/{key}/"):
                response = getattr(api, method)(path)

                assert response.status_code == 404, (method, path)
                assert response.json() == self.not_found, (method, path)

    def test_the_detail_accepts_a_trailing_slash(self, api):
        obj = self._make()

        assert api.get(self.detail(obj) + "/").status_code == 200

    def test_put_is_not_offered(self, api):
        obj = self._make()

        response = api.put(self.detail(obj), {}, format="json")

        assert response.status_code == 405
        assert response.json() == {"detail": 'Method "PUT" not allowed.'}


class PublicIdCases:
    """A detail addressed by a public id: anything that is not an id of the resource is 404."""

    @pytest.mark.parametrize("template", MALFORMED_IDS)
    def test_a_malformed_id_is_404(self, api, template):
        self._make()
        others = [p for p in PREFIXES.values() if p != self.prefix]
        keys = {
            template.format(prefix=self.prefix, PREFIX=self.prefix.upper(), other=other)
            for other in others
        }
        for key in sorted(keys):
            for method in self.detail_methods():
                response = getattr(api, method)(f"{self.path}/{key}")

                assert response.status_code == 404, (method, key)
                assert response.json() == NOT_FOUND, (method, key)


class CreateCases:
    """POST to the list creates a row; what it answers is what its detail reads back."""

    create_payload: dict | Callable[[], dict]
    """A valid POST body, or a staticmethod that makes the rows it names and returns it."""

    def test_a_created_row_reads_back_as_it_was_answered(self, api):
        payload = type(self).create_payload
        payload = payload() if callable(payload) else payload

        response = api.post(self.path, payload, format="json")

        assert response.status_code == 201, response.json()
        created = response.json()
        if self.prefix:
            assert created["id"].startswith(f"{self.prefix}_")
        detail = api.get(f"{self.path}/{quote(created[self.item_key])}")
        assert detail.status_code == 200
        assert detail.json() == created


class ReadOnlyResourceCases(PublicIdCases, DetailCases, ListCases):
    """A read-only list/detail resource addressed by public ids."""


class ResourceCases(CreateCases, ReadOnlyResourceCases):
    """A list/detail resource addressed by public ids that creates, changes and deletes rows:
    every shared promise."""

    writes = ("patch", "delete")
