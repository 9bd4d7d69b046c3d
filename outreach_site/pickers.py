"""The records a list filter can pick by name (core.dashboard.pickers): companies, people, jobs
and the workspace's members. Each reads through its model's manager, so it only ever offers the
workspace in scope."""

from django.db.models import Q

from contacts.models import Company, Person
from core.dashboard.pickers import Picker
from core.public_ids import PREFIXES
from jobs.models import Job
from workspaces.selectors import member_name, members_in_scope


def _words(text: str) -> list[str]:
    return text.split()[:5]


def _search_companies(rows, text):
    return rows.filter(Q(name__icontains=text) | Q(domain__icontains=text))


def _search_people(rows, text):
    # "ada love" finds Ada Lovelace: every word in the first name, last name or email.
    for word in _words(text):
        rows = rows.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return rows


def _search_jobs(rows, text):
    for word in _words(text):
        rows = rows.filter(Q(title__icontains=word) | Q(company__name__icontains=word))
    return rows


def _search_members(rows, text):
    for word in _words(text):
        rows = rows.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    return rows


PICKERS = [
    Picker(
        kind="company",
        prefix=PREFIXES["company"],
        noun="company",
        plural="companies",
        rows=lambda: Company.objects.order_by("name", "id"),
        search=_search_companies,
        label=lambda company: company.name,
        detail=lambda company: company.domain,
    ),
    Picker(
        kind="person",
        prefix=PREFIXES["person"],
        noun="person",
        plural="people",
        rows=lambda: Person.objects.select_related("company").order_by(
            "last_name", "first_name", "id"
        ),
        search=_search_people,
        label=str,
        detail=lambda person: " · ".join(
            part for part in (person.email, person.company.name if person.company else "") if part
        ),
    ),
    Picker(
        kind="job",
        prefix=PREFIXES["job"],
        noun="job",
        plural="jobs",
        rows=lambda: Job.objects.select_related("company").order_by("title", "id"),
        search=_search_jobs,
        label=lambda job: job.title,
        detail=lambda job: job.company.name if job.company else "",
    ),
    Picker(
        kind="member",
        prefix=PREFIXES["user"],
        noun="member",
        plural="members",
        rows=lambda: members_in_scope().order_by("first_name", "last_name", "username", "id"),
        search=_search_members,
        label=member_name,
        detail=lambda user: user.email,
    ),
]
