"""The OpenAPI schema documents every endpoint with its parameters and errors."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LIST_PARAMETERS = {
    "channel",
    "person_id",
    "company_id",
    "sequence_id",
    "status",
    "owner",
    "job_id",
    "delivery_status",
    "outcome",
    "outreach_type",
    "tag",
    "approved",
    "q",
    "sort",
    "direction",
    "page",
    "per",
}


@pytest.fixture
def schema(api):
    response = api.get("/api/schema?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                yield path, method, operation


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml")


def test_every_operation_documents_its_errors(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"400", "401"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if method in {"patch", "post", "delete"}:
            assert "409" in codes, (method, path)


def test_outreach_list_documents_every_parameter(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/outreaches"]["get"]["parameters"]}
    assert parameters >= LIST_PARAMETERS


def test_every_transition_and_batch_endpoint_is_documented(schema):
    paths = set(schema["paths"])
    for name in ("start_enrichment", "complete_enrichment", "fail_enrichment", "start", "wait"):
        assert f"/api/outreaches/{{id}}/{name}" in paths
    assert {
        "/api/outreaches/batch_assign",
        "/api/outreaches/batch_start_enrichment",
        "/api/outreaches/{id}/transitions",
        "/api/users/me",
        "/api/people",
        "/api/companies",
        "/api/sequences",
        "/api/tags",
        "/api/jobs",
        "/api/followups",
    } <= paths


def test_schema_and_docs_need_login(anon, client):
    assert anon.get("/api/schema").status_code == 401
    response = client.get("/api/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_descriptions_speak_of_the_endpoint_not_of_the_code(api):
    """A generic base's docstring (how writes reach the services) is not an endpoint's description,
    and no operation describes its implementation."""
    schema = api.get("/api/schema", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            text = operation.get("description", "")
            for word in ("delegated to services", "values()", "serializer", "lean representation"):
                assert word not in text, (method, path, text)
