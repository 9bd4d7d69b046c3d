"""A client generated from `/api/schema` works against the running server.

openapi-python-client is what many integrators run on a schema: if the schema drifts from what
the API really answers (a type, a required field, an id's shape), the generated client fails to
parse the answer. So the test generates a client into a temporary package and calls the API
through it, over HTTP, against a live server.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from tests.factories import CompanyFactory, PersonFactory, UserFactory, WorkspaceFactory

PACKAGE = "outreach_generated_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated package, imported (once per module: generating takes about a second)."""
    folder = tmp_path_factory.mktemp("client")
    schema = folder / "schema.yaml"
    subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--file", str(schema)],
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
    )
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            generator,
            "generate",
            "--path",
            schema,
            "--output-path",
            folder / PACKAGE,
            "--meta",
            "none",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The generator warns (and leaves operations out) for schema parts it cannot read.
    assert "Warning(s) encountered" not in result.stdout, result.stdout
    sys.path.insert(0, str(folder))
    try:
        importlib.import_module(f"{PACKAGE}.models")
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]


def operation(resource: str, name: str):
    """The generated module of one operation, e.g. operation("people", "api_people_create")."""
    return importlib.import_module(f"{PACKAGE}.api.{resource}.{name}")


@pytest.fixture
def client(generated, live_server, transactional_db):
    user = UserFactory(username="integrator")
    key = Token.objects.create(user=user).key
    # The API's token scheme is `Token <key>`, not the generator's default `Bearer`.
    return generated.AuthenticatedClient(base_url=live_server.url, token=key, prefix="Token")


def test_the_schema_groups_operations_by_resource(generated):
    package = Path(generated.__file__).parent / "api"
    groups = {path.name for path in package.iterdir() if path.is_dir()}
    resources = {
        "outreaches",
        "people",
        "companies",
        "sequences",
        "mass_prospecting_compatible_api",
    }
    assert resources <= groups
    assert "api" not in groups


def test_create_read_and_list_through_the_generated_client(client, generated):
    models = generated.models
    company = CompanyFactory(name="Acme")
    person = PersonFactory(company=company, first_name="Ada", last_name="Byron")

    body = models.PersonRequest(
        first_name="Grace", last_name="Hopper", company_id=company.public_id
    )
    created = operation("people", "api_people_create").sync_detailed(client=client, body=body)
    assert created.status_code == 201, created.content
    assert isinstance(created.parsed, models.Person)
    assert created.parsed.id.startswith("per_")
    assert created.parsed.company_id == company.public_id

    body = models.OutreachRequest(person_id=person.public_id, channel=models.ChannelEnum.EMAIL)
    outreach = operation("outreaches", "api_outreaches_create").sync(client=client, body=body)
    assert isinstance(outreach, models.Outreach), outreach
    assert outreach.current_state == models.CurrentStateEnum.NEW

    read = operation("outreaches", "api_outreaches_retrieve").sync(client=client, id=outreach.id)
    assert isinstance(read, models.Outreach)
    assert read.id == outreach.id and read.person_id == person.public_id

    # Filters take prefixed ids, as the schema now says (they were typed as integers).
    listing = operation("outreaches", "api_outreaches_list")
    listed = listing.sync(client=client, per=10, person_id=person.public_id)
    assert [item.id for item in listed.items] == [outreach.id]
    assert listed.pagination.total_count == 1
    assert listing.sync(client=client, person_id=created.parsed.id).items == []

    history = operation("outreaches", "api_outreaches_transitions_list")
    assert history.sync(client=client, id=outreach.id).items is not None


def test_errors_come_back_typed(client, generated):
    answer = operation("outreaches", "api_outreaches_retrieve").sync_detailed(
        client=client, id="out_999999"
    )
    assert answer.status_code == 404
    assert isinstance(answer.parsed, generated.models.ErrorDetail)


def test_another_workspaces_rows_stay_invisible_to_the_generated_client(client):
    PersonFactory(first_name="Visible")
    PersonFactory(workspace=WorkspaceFactory(name="Theirs"), first_name="Hidden")
    listed = operation("people", "api_people_list").sync(client=client)
    assert [item.first_name for item in listed.items] == ["Visible"]
