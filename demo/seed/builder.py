"""The plan of a demo data set and its builder: owners, companies, people, tags, sequences and
jobs here, the outreaches (with their history and follow-ups) in `outreaches`.

Every draw comes from one `random.Random(seed)`, in a fixed order, and every row gets an explicit
primary key, so the same seed on an empty database gives the same rows. Changing the order or
the number of draws changes every row drawn after it.
"""

import datetime
import random
from dataclasses import dataclass
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.utils import timezone

from contacts.choices import REPLIED_STATUSES, PersonStatus
from contacts.models import Company, Person
from followups.models import FollowUp
from jobs.heat import LatestTouch, explain_heat
from jobs.models import Job
from outreach.models import Outreach, OutreachTransition, Sequence, SequenceStep, Tag
from workspaces.choices import Role
from workspaces.models import Membership, Workspace

from .draws import DAY, CompanyDraft, Drawing, PersonDraft, Picker, skewed_index
from .outreaches import OutreachBuilder
from .vocabulary import (
    CHANNELS,
    COMPANY_KINDS,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    EMAIL_PATTERNS,
    FIRST_NAMES,
    JOB_STAGES,
    JOB_TITLES,
    LAST_NAMES,
    PERSON_STATUSES,
    PHONE_AREAS,
    SEQUENCE_AUDIENCES,
    SEQUENCE_STYLES,
    STEP_BODIES,
    STEP_SUBJECTS,
    STRENGTHS,
    TAG_NAMES,
    TITLES,
    TLDS,
)
from .writer import DEMO_WORKSPACE, OWNER_USERNAME_PREFIX, Progress, TableWriter


@dataclass(frozen=True)
class SeedPlan:
    """How many rows of each kind a data set of `outreaches` outreaches gets."""

    outreaches: int
    people: int
    companies: int
    owners: int
    sequences: int
    jobs: int
    tags: int


def plan_for(outreaches: int) -> SeedPlan:
    return SeedPlan(
        outreaches=outreaches,
        people=max(1, round(outreaches / 5)),
        companies=max(1, round(outreaches / 50)),
        owners=min(500, max(1, outreaches // 20)),
        sequences=min(1_000, max(1, outreaches // 10)),
        jobs=max(1, outreaches // 100),
        tags=min(len(TAG_NAMES), max(1, outreaches // 10)),
    )


class DemoDataBuilder(Drawing):
    """Generates and writes one data set; every random draw comes from one seeded Random."""

    def __init__(
        self,
        plan: SeedPlan,
        seed: int,
        now: datetime.datetime,
        stream: TextIO | None,
        workspace: Workspace,
    ):
        super().__init__(random.Random(seed), now)
        self.plan = plan
        self.workspace = workspace
        self.stream = stream
        self.counts: dict[str, int] = {}
        # Jobs are written after the outreaches, with the heat of their latest outreach.
        self.jobs: dict[int, dict[str, Any]] = {}
        self.latest_touch: dict[int, tuple[datetime.datetime, int, LatestTouch]] = {}

    def writer(self, model, label: str | None = None, total: int = 0) -> TableWriter:
        progress = Progress(self.stream, label, total) if label else None
        return TableWriter(model, self.now, progress, workspace_id=self.workspace.pk)

    def close(self, writer: TableWriter, key: str) -> None:
        writer.flush()
        if writer.progress is not None:
            writer.progress.finish()
        self.counts[key] = self.counts.get(key, 0) + writer.written

    def build(self) -> dict[str, int]:
        owners = self.build_owners()
        companies = self.build_companies(owners)
        people = self.build_people(companies)
        tags = self.build_tags()
        sequences = self.build_sequences()
        self.build_jobs(companies)
        self.build_outreaches(people, companies, sequences, tags)
        self.write_jobs()
        return self.counts

    def build_owners(self) -> list[int]:
        """Owners are users with no usable password: names on companies, not logins. Owners an
        earlier run made are reused by username."""
        User = get_user_model()
        rng = self.rng
        # Owners are members of the workspace, so one seeded workspace's owners are its own.
        prefix = OWNER_USERNAME_PREFIX
        if self.workspace.name != DEMO_WORKSPACE:
            prefix = f"{prefix}w{self.workspace.pk}_"
        usernames = [f"{prefix}{i:03d}" for i in range(1, self.plan.owners + 1)]
        ids = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
        writer = self.writer(User)
        for username in usernames:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if username in ids:
                continue
            ids[username] = writer.add(
                {
                    "username": username,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{first}.{last}@outreach-demo.example.com".lower(),
                    "password": "!",
                    "date_joined": self.now - 400 * DAY,
                }
            )
        self.close(writer, "owners")
        members = set(
            Membership.objects.filter(user_id__in=ids.values()).values_list("user_id", flat=True)
        )
        Membership.objects.bulk_create(
            Membership(user_id=pk, workspace=self.workspace, role=Role.REP)
            for pk in ids.values()
            if pk not in members
        )
        # Outreaches carry their owner's username as a sort key.
        self.usernames = {pk: name for name, pk in ids.items()}
        return [ids[name] for name in usernames]

    def build_companies(self, owners: list[int]) -> list[CompanyDraft]:
        rng = self.rng
        writer = self.writer(Company)
        companies: list[CompanyDraft] = []
        for _ in range(self.plan.companies):
            if companies and rng.random() < 0.08:
                # Same company entered twice, or two companies sharing a name.
                twin = rng.choice(companies)
                name = twin.name
                domain = twin.domain if rng.random() < 0.6 else ""
            else:
                words = rng.choice(COMPANY_WORDS)
                if rng.random() < 0.6:
                    words += " " + rng.choice(COMPANY_KINDS)
                name = words + rng.choice(COMPANY_SUFFIXES)
                domain = (
                    words.lower().replace(" ", "") + rng.choice(TLDS) if rng.random() < 0.93 else ""
                )
            owner_id = owners[skewed_index(rng, len(owners))] if rng.random() < 0.9 else None
            created = self.ago(420)
            pk = writer.add(
                {
                    "name": name,
                    "domain": domain,
                    "owner_id": owner_id,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            companies.append(
                CompanyDraft(pk, name, domain, owner_id, pattern=rng.choice(EMAIL_PATTERNS))
            )
        self.close(writer, "companies")
        return companies

    def build_people(self, companies: list[CompanyDraft]) -> list[PersonDraft]:
        rng = self.rng
        writer = self.writer(Person, "people", self.plan.people)
        status = self.pick(PERSON_STATUSES)
        strength = self.pick(STRENGTHS)
        seen_emails: set[str] = set()
        people: list[PersonDraft] = []
        for index in range(self.plan.people):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            company = companies[skewed_index(rng, len(companies))] if rng.random() < 0.95 else None
            email = self._email(first, last, company, index, seen_emails)
            person_status = status()
            person_strength = strength()
            created = self.ago(400)
            contacted = None
            if person_status != PersonStatus.NEW.value:
                contacted = created + (self.now - created) * rng.random()
            replied = None
            if person_status in REPLIED_STATUSES:
                replied = contacted + (self.now - contacted) * rng.random()
            phone = ""
            if rng.random() < 0.5:
                phone = (
                    f"+1{rng.choice(PHONE_AREAS)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
                )
            slug = f"{first}-{last}-{rng.randint(1000, 99999)}".lower()
            title = rng.choice(TITLES)
            pk = writer.add(
                {
                    "first_name": first,
                    "last_name": last,
                    "title": title,
                    "company_id": company.pk if company else None,
                    "email": email,
                    "phone": phone,
                    "linkedin_url": (
                        f"https://www.linkedin.com/in/{slug}" if rng.random() < 0.6 else ""
                    ),
                    "facebook_url": (
                        f"https://www.facebook.com/{slug}" if rng.random() < 0.1 else ""
                    ),
                    "status": person_status,
                    "strength": person_strength,
                    "last_contacted_at": contacted,
                    "last_replied_at": replied,
                    "created_at": created,
                    "updated_at": replied or contacted or created,
                }
            )
            people.append(PersonDraft(pk, first, last, company, email, title, person_strength))
        self.close(writer, "people")
        return people

    def _email(
        self, first: str, last: str, company: CompanyDraft | None, index: int, seen: set[str]
    ) -> str:
        """Most people at a company with a domain get an address in its pattern, a few others a
        personal one; an address already taken gets the person's index (emails are unique)."""
        rng = self.rng
        email = ""
        if company and company.domain and rng.random() < 0.7:
            local = company.pattern.format(f=first, l=last, i=first[0]).lower()
            email = f"{local}@{company.domain}"
        elif rng.random() < 0.15:
            email = f"{first}.{last}{rng.randint(1, 99)}@mail.example.com".lower()
        if email in seen:
            local, _, domain = email.partition("@")
            email = f"{local}{index}@{domain}"
        if email:
            seen.add(email)
        return email

    def build_tags(self) -> list[int]:
        names = TAG_NAMES[: self.plan.tags]
        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        writer = self.writer(Tag)
        for name in names:
            if name not in existing:
                existing[name] = writer.add({"name": name, "created_at": self.now - 400 * DAY})
        self.close(writer, "tags")
        return [existing[name] for name in names]

    def build_sequences(self) -> list[int]:
        """Sequences named audience × style (then versions), each with one to four steps; an
        existing sequence of the same name is reused."""
        rng = self.rng
        names = self._sequence_names()
        existing = dict(Sequence.objects.filter(name__in=names).values_list("name", "pk"))
        sequences = self.writer(Sequence)
        steps = self.writer(SequenceStep)
        channel = self.pick(CHANNELS)
        ids = []
        for name in names:
            if name in existing:
                ids.append(existing[name])
                continue
            created = self.ago(400, power=1)
            pk = sequences.add(
                {
                    "name": name,
                    "description": f"Outreach to {name.split(' — ')[0].lower()}.",
                    "active": rng.random() < 0.9,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            self._add_steps(steps, pk, channel)
            ids.append(pk)
        self.close(sequences, "sequences")
        self.close(steps, "sequence_steps")
        # Outreaches carry their sequence's name as a sort key.
        self.sequence_names = dict(zip(ids, names, strict=True))
        return ids

    def _sequence_names(self) -> list[str]:
        names = []
        for index in range(self.plan.sequences):
            audience = SEQUENCE_AUDIENCES[index % len(SEQUENCE_AUDIENCES)]
            style = SEQUENCE_STYLES[(index // len(SEQUENCE_AUDIENCES)) % len(SEQUENCE_STYLES)]
            version = index // (len(SEQUENCE_AUDIENCES) * len(SEQUENCE_STYLES))
            names.append(f"{audience} — {style}" + (f" v{version + 1}" if version else ""))
        return names

    def _add_steps(self, steps: TableWriter, sequence_id: int, channel: Picker) -> None:
        rng = self.rng
        for position in range(1, rng.randint(1, 4) + 1):
            steps.add(
                {
                    "sequence_id": sequence_id,
                    "position": position,
                    "channel": channel(),
                    "delay_days": 0 if position == 1 else rng.choice((2, 3, 5, 7)),
                    "subject_template": rng.choice(STEP_SUBJECTS),
                    "body_template": rng.choice(STEP_BODIES),
                }
            )

    def build_jobs(self, companies: list[CompanyDraft]) -> None:
        """Draw the jobs; they are written by write_jobs once their outreaches exist."""
        rng = self.rng
        self.job_writer = self.writer(Job)
        stage = self.pick(JOB_STAGES)
        for _ in range(self.plan.jobs):
            company = companies[skewed_index(rng, len(companies))]
            title = rng.choice(JOB_TITLES)
            created = self.ago(200)
            slug = title.lower().replace(" ", "-")
            pk = self.job_writer.take_id()
            self.jobs[pk] = {
                "id": pk,
                "title": title,
                "company_id": company.pk,
                "url": (f"https://{company.domain}/careers/{slug}" if company.domain else ""),
                "stage": stage(),
                "archived": rng.random() < 0.05,
                "created_at": created,
                "updated_at": created,
            }
            company.job_ids.append(pk)

    def write_jobs(self) -> None:
        """Write the jobs with their stored heat, computed by the jobs app's own rule from the
        latest outreach of each (tracked while generating, instead of one query per job)."""
        now = timezone.now()
        for pk, row in self.jobs.items():
            latest = self.latest_touch.get(pk)
            heat = explain_heat(
                stage=row["stage"],
                archived=row["archived"],
                latest=latest[2] if latest else None,
                now=now,
            )
            self.job_writer.add({**row, "heat_score": heat.heat_score, "heat": heat.heat})
        self.close(self.job_writer, "jobs")

    def build_outreaches(
        self,
        people: list[PersonDraft],
        companies: list[CompanyDraft],
        sequences: list[int],
        tags: list[int],
    ) -> None:
        """The outreaches with their history and follow-ups (see OutreachBuilder)."""
        writers = {
            "outreaches": self.writer(Outreach, "outreaches", self.plan.outreaches),
            "transitions": self.writer(OutreachTransition),
            "followups": self.writer(FollowUp),
        }
        outreaches = OutreachBuilder(
            rng=self.rng,
            now=self.now,
            outreaches=writers["outreaches"],
            history=writers["transitions"],
            followups=writers["followups"],
            usernames=self.usernames,
            sequence_names=self.sequence_names,
        )
        outreaches.build(self.plan.outreaches, people, companies, sequences, tags)
        self.latest_touch = outreaches.latest_touch
        # Children before parents would also do (keys are checked at commit); this reads better.
        for key, writer in writers.items():
            self.close(writer, key)
