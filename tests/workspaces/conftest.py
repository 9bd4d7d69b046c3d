"""Two workspaces side by side: ours (the `user` fixture's test desk) and theirs, each with one
of everything, so a test can prove that nothing of theirs reaches us."""

from dataclasses import dataclass

import pytest

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
    default_workspace,
)


@dataclass
class Desk:
    """One workspace and one row of each kind in it."""

    workspace: object
    member: object
    company: object
    person: object
    job: object
    sequence: object
    tag: object
    outreach: object
    followup: object
    batch: object


def _desk(workspace, member, name: str) -> Desk:
    company = CompanyFactory(workspace=workspace, name=f"{name} Corp", owner=member)
    person = PersonFactory(
        company=company, first_name=name, last_name="Person", email=f"{name.lower()}@x.example"
    )
    job = JobFactory(company=company, title=f"{name} engineer")
    sequence = SequenceFactory(workspace=workspace, name=f"{name} cadence")
    tag = TagFactory(workspace=workspace, name="shared-name")  # the same name in both: allowed
    outreach = OutreachFactory(
        person=person, company=company, job=job, sequence=sequence, tag=tag, subject=name
    )
    followup = FollowUpFactory(outreach=outreach, person=person, title=f"Call {name}")
    batch = EnrichmentBatchFactory(workspace=workspace, actor=member)
    return Desk(workspace, member, company, person, job, sequence, tag, outreach, followup, batch)


@pytest.fixture
def ours(user):
    return _desk(default_workspace(), user, "Ours")


@pytest.fixture
def theirs(db):
    workspace = WorkspaceFactory(name="Their agency")
    member = UserFactory(username="mallory", membership__workspace=workspace)
    return _desk(workspace, member, "Theirs")
