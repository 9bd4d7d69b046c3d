"""Nothing crosses between workspaces: another workspace's rows are answered exactly like
missing ones — absent from lists, counts, exports, the stale queue and the compatibility
endpoints, 404 on their paths, `not_found` in batches, unknown as references."""

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.csv_import import people_import_csv
from contacts.models import Person
from core.scoping import workspace_scope
from outreach.models import EnrichmentBatch, Outreach
from tests.factories import OutreachFactory, UserFactory

pytestmark = pytest.mark.django_db

RESOURCES = [
    ("/api/outreaches", "outreach"),
    ("/api/people", "person"),
    ("/api/companies", "company"),
    ("/api/jobs", "job"),
    ("/api/followups", "followup"),
    ("/api/sequences", "sequence"),
    ("/api/enrichment_batches", "batch"),
]


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize("path,kind", RESOURCES)
def test_lists_and_counts_hold_only_our_rows(api, ours, theirs, path, kind):
    response = api.get(path)
    assert ids(response) == {getattr(ours, kind).public_id}
    assert response.json()["pagination"]["total_count"] == 1


@pytest.mark.parametrize("path,kind", RESOURCES)
def test_their_rows_are_404_on_every_verb(api, ours, theirs, path, kind):
    theirs_path = f"{path}/{getattr(theirs, kind).public_id}"
    assert api.get(theirs_path).status_code == 404
    if kind != "batch":  # batches are read-only
        assert api.patch(theirs_path, {}, format="json").status_code == 404
        assert api.delete(theirs_path).status_code == 404
    assert api.get(f"{path}/{getattr(ours, kind).public_id}").status_code == 200


def test_their_tag_is_404_by_name_and_ours_is_found(api, ours, theirs):
    assert [t["name"] for t in api.get("/api/tags").json()["items"]] == ["shared-name"]
    api.delete("/api/tags/shared-name")
    # Deleting ours left theirs, of the same name, alone.
    assert theirs.tag.__class__._base_manager.filter(pk=theirs.tag.pk).exists()


@pytest.mark.parametrize(
    "field,kind",
    [
        ("person_id", "person"),
        ("company_id", "company"),
        ("job_id", "job"),
        ("sequence_id", "sequence"),
    ],
)
def test_their_rows_cannot_be_referenced(api, ours, theirs, field, kind):
    response = api.post(
        "/api/outreaches",
        {"channel": "email", field: getattr(theirs, kind).public_id},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()


def test_their_members_cannot_own_our_companies(api, ours, theirs):
    response = api.patch(
        f"/api/companies/{ours.company.public_id}",
        {"owner_id": f"usr_{theirs.member.pk}"},
        format="json",
    )
    assert response.status_code == 400
    assert "owner_id" in response.json()


def test_users_lists_our_members_only(api, ours, theirs):
    assert ids(api.get("/api/users")) == {f"usr_{ours.member.pk}"}
    assert api.get(f"/api/users/usr_{theirs.member.pk}").status_code == 404


def test_batches_answer_their_ids_as_not_found(api, ours, theirs):
    body = {
        "outreach_ids": [ours.outreach.public_id, theirs.outreach.public_id],
        "sequence_id": ours.sequence.public_id,
    }
    response = api.patch("/api/outreaches/batch_assign", body, format="json")
    assert response.status_code == 200
    assert response.json()["updated_count"] == 1
    assert response.json()["not_found"] == [theirs.outreach.public_id]

    response = api.patch(
        "/api/outreaches/batch_start_enrichment",
        {"outreach_ids": [theirs.outreach.public_id]},
        format="json",
    )
    assert response.json()["success_count"] == 0
    assert response.json()["skipped"] == [{"id": theirs.outreach.public_id, "reason": "not found"}]
    theirs.outreach.refresh_from_db()
    assert (theirs.outreach.sequence_id, theirs.outreach.current_state) == (
        theirs.sequence.pk,
        "new",
    )


def test_a_batch_with_their_sequence_is_refused(api, ours, theirs):
    body = {"outreach_ids": [ours.outreach.public_id], "sequence_id": theirs.sequence.public_id}
    response = api.patch("/api/outreaches/batch_assign", body, format="json")
    assert response.status_code == 400
    assert "sequence_id" in response.json()


def test_the_stale_queue_holds_only_ours(api, ours, theirs):
    long_ago = timezone.now() - timedelta(days=5)
    Outreach._base_manager.filter(pk__in=[ours.outreach.pk, theirs.outreach.pk]).update(
        sent_at=long_ago
    )
    assert ids(api.get("/api/outreaches/stale")) == {ours.outreach.public_id}


def test_the_compatibility_endpoints_see_only_our_outreaches(api, ours, theirs, token):
    def post(path, body):
        return api.post(path, data=json.dumps(body), content_type="application/json")

    page = post("/ajax/outreach/page.json", {"page": 1, "api_key": token.key})
    assert [row["id"] for row in page.json()["results"]] == [ours.outreach.public_id]
    update = post(
        "/api1.0/outreach/update.json", {"id": theirs.outreach.public_id, "subject": "Mine now"}
    )
    assert update.status_code == 404
    theirs.outreach.refresh_from_db()
    assert theirs.outreach.subject == "Theirs"


def test_the_dashboard_lists_and_exports_only_ours(dash, ours, theirs):
    for path in ("/outreaches/", "/people/", "/companies/", "/jobs/", "/sequences/", "/followups/"):
        page = dash.get(path).content.decode()
        assert "Theirs" not in page, path
    export = b"".join(dash.get("/outreaches/export.csv").streaming_content).decode()
    assert "Ours" in export and "Theirs" not in export
    home = dash.get("/")
    assert home.status_code == 200 and "Theirs" not in home.content.decode()


@pytest.mark.parametrize(
    "kind,path",
    [
        ("outreach", "/outreaches/{id}/"),
        ("person", "/people/{id}/"),
        ("company", "/companies/{id}/"),
        ("job", "/jobs/{id}/"),
        ("sequence", "/sequences/{id}/"),
        ("outreach", "/outreaches/{id}/edit/"),
        ("person", "/people/{id}/edit/"),
    ],
)
def test_their_dashboard_pages_are_404(dash, ours, theirs, kind, path):
    assert dash.get(path.format(id=getattr(theirs, kind).public_id)).status_code == 404
    assert dash.get(path.format(id=getattr(ours, kind).public_id)).status_code == 200


def test_their_rows_cannot_be_changed_from_the_dashboard(dash, ours, theirs):
    response = dash.post(f"/outreaches/{theirs.outreach.public_id}/delete/")
    assert response.status_code == 404
    assert Outreach._base_manager.filter(pk=theirs.outreach.pk).exists()


def test_csv_import_matches_only_our_people(user, ours, theirs):
    text = "first_name,last_name,email\nNew,Name,theirs@x.example\n"
    with workspace_scope(ours.workspace.pk):
        report = people_import_csv(file=io.BytesIO(text.encode()), actor=user)
    assert report.committed and report.created == 1 and report.updated == 0
    theirs.person.refresh_from_db()
    assert theirs.person.first_name == "Theirs"  # untouched
    created = Person._base_manager.get(email="theirs@x.example", workspace=ours.workspace)
    assert created.first_name == "New"


def test_csv_import_from_the_dashboard_lands_in_our_workspace(dash, ours, theirs):
    upload = io.BytesIO(b"first_name,email\nZed,theirs@x.example\n")
    upload.name = "people.csv"
    dash.post("/people/import/", {"file": upload})
    assert Person._base_manager.filter(workspace=ours.workspace, first_name="Zed").exists()
    assert Person._base_manager.filter(workspace=theirs.workspace).count() == 1


def test_without_a_workspace_the_api_says_so(client_for, ours):
    loner = UserFactory(username="loner", membership=False)
    response = client_for(loner).get("/api/outreaches")
    assert response.status_code == 403
    assert response.json() == {"detail": "You are not a member of any workspace."}


def test_background_enrichment_works_inside_the_batch_workspace(
    api, ours, theirs, run_tasks, settings
):
    # Their colleague's address pattern must not teach ours: enrichment reads only our people.
    with run_tasks():
        response = api.patch(
            "/api/outreaches/batch_start_enrichment",
            {"outreach_ids": [ours.outreach.public_id]},
            format="json",
        )
    assert response.json()["success_count"] == 1
    batch_id = response.json()["batch_id"]
    batch = api.get(f"/api/enrichment_batches/{batch_id}").json()
    assert batch["done"] == 1
    stored = EnrichmentBatch._base_manager.get(pk=int(batch_id.split("_")[1]))
    assert stored.workspace_id == ours.workspace.pk


def test_the_home_page_counts_and_charts_only_ours(dash, ours, theirs):
    OutreachFactory.create_batch(3, person=theirs.person, company=theirs.company)
    context = dash.get("/").context
    assert context["totals"]["total"] == 1
    funnel_total = sum(bar.value for bar in context["funnel"].bars)
    assert funnel_total == 1
