"""Import people from a CSV file: preview, import, undo.

A file is read into rows, then planned against the workspace's people in four queries (people by
email, people by LinkedIn URL, companies by name, the suppression list), whatever its size. The
plan gives each row its action — created, updated, unchanged, skipped or rejected — the fields
an update would change (before → after) and those the mode keeps, and flags a row that matches
someone of another name and the rows of one person inside the file (the first is imported, the
others are skipped naming it). The preview shows the plan; the import writes it set-based in one
transaction and keeps what undoing it needs (`PeopleImport.undo`), and the audit log gets an
entry for every person and company created or changed.

Modes (`ImportMode`): create only leaves every match as it is; update empty fields only fills
what the match lacks; overwrite replaces with the file's values. An empty cell never clears a
field. A match whose name differs from the row's is left alone unless `accept_name_changes`. A
person whose address (the file's, or the match's own) is on the suppression list is imported or
updated as do_not_contact, whatever the file's status says. By default a single rejected row
means nothing is written; with `skip_invalid` the valid rows are written and the rejected ones
reported.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core.actors import acting_user
from core.bulk import update_rows
from core.enums import normalize_choice
from core.errors import Conflict
from core.scoping import workspace_scope
from core.validation import text_problem
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require
from workspaces.selectors import workspace_for_create

from .choices import ImportMode, ImportStatus, PersonStatus, Strength
from .models import Company, PeopleImport, Person
from .normalize import (
    InvalidContactDetail,
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_profile_url,
)
from .suppressions import address_hash, suppressed_hashes

MAX_ROWS = 10_000
PERSON_COLUMNS = ("first_name", "last_name", "title", "email", "phone", "linkedin_url")
PERSON_COLUMNS += ("facebook_url", "status", "strength")
COLUMNS = (*PERSON_COLUMNS, "company", "company_domain")
# Header spellings people use for our columns.
ALIASES = {
    "first": "first_name",
    "firstname": "first_name",
    "last": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "job_title": "title",
    "position": "title",
    "company_name": "company",
    "organization": "company",
    "domain": "company_domain",
    "e-mail": "email",
    "email_address": "email",
    "phone_number": "phone",
    "linkedin": "linkedin_url",
    "linkedin_profile": "linkedin_url",
    "facebook": "facebook_url",
}
# The longest value each column may hold once normalized: its database column's length.
MAX_CELL = {
    **{name: Person._meta.get_field(name).max_length for name in PERSON_COLUMNS},
    "company": Company._meta.get_field("name").max_length,
    "company_domain": Company._meta.get_field("domain").max_length,
}
FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "title": "Title",
    "email": "Email",
    "phone": "Phone",
    "linkedin_url": "LinkedIn URL",
    "facebook_url": "Facebook URL",
    "status": "Status",
    "strength": "Strength",
    "company": "Company",
}

NORMALIZERS = {
    "email": normalize_email,
    "phone": normalize_phone,
    "linkedin_url": lambda value: normalize_profile_url(value, "linkedin"),
    "facebook_url": lambda value: normalize_profile_url(value, "facebook"),
    "company_domain": normalize_domain,
}

CREATED, UPDATED, UNCHANGED, SKIPPED, REJECTED = (
    "created",
    "updated",
    "unchanged",
    "skipped",
    "rejected",
)
ACTIONS = (CREATED, UPDATED, UNCHANGED, SKIPPED, REJECTED)
# A preview no one imported is dropped a day later (it holds the file's text).
PREVIEW_KEPT = timedelta(days=1)
SUPPRESSED_NOTE = "The address is on the suppression list: do not contact."


@dataclass
class Change:
    """One field of a matched person: its value here and the file's."""

    field: str
    before: str
    after: str

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.field]


@dataclass
class RowResult:
    line: int  # line number in the file, the header being line 1
    action: str
    label: str
    reason: str = ""
    person: Person | None = None
    changes: list[Change] = field(default_factory=list)  # what the import changes
    kept: list[Change] = field(default_factory=list)  # differences the mode leaves alone
    name_differs: str = ""  # the matched person's name, when the row names someone else
    duplicate_of: int | None = None  # the line this row repeats
    repeated_on: list[int] = field(default_factory=list)  # later lines repeating this one
    # What the write needs: the person's values (created) or new values by field (updated),
    # and the company's key in the plan.
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    company_key: str = ""

    @property
    def flagged(self) -> bool:
        return bool(self.name_differs or self.duplicate_of or self.repeated_on)


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    committed: bool = False
    previewed: bool = False
    error: str = ""  # the file as a whole could not be read
    ignored_columns: list[str] = field(default_factory=list)
    mode: str = ImportMode.FILL_EMPTY
    skip_invalid: bool = False
    accept_name_changes: bool = False
    people_import: PeopleImport | None = None

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ACTIONS}

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def skipped(self) -> int:
        return self.count(SKIPPED)

    @property
    def rejected(self) -> int:
        return self.count(REJECTED)

    @property
    def name_conflicts(self) -> int:
        return sum(1 for row in self.rows if row.name_differs)

    @property
    def duplicates(self) -> int:
        return sum(1 for row in self.rows if row.duplicate_of)

    @property
    def writes(self) -> bool:
        """Whether importing (now, or as previewed) writes the valid rows."""
        return self.skip_invalid or self.rejected == 0

    def summary(self) -> str:
        parts = [f"{self.created} created", f"{self.updated} updated"]
        parts += [
            f"{n} {action}"
            for action in (UNCHANGED, SKIPPED, REJECTED)
            if (n := self.count(action))
        ]
        return ", ".join(parts)


class _Rejected(Exception):
    pass


def _header(name: str) -> str:
    key = (name or "").strip().lower().replace(" ", "_")
    return ALIASES.get(key, key)


def _read(file: IO[bytes] | IO[str]) -> str:
    data = file.read()
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _Rejected("The file is not UTF-8 text; save it as “CSV UTF-8”.") from None
    return data.removeprefix("\ufeff")


def _parse_row(raw: dict[str, str]) -> dict[str, Any]:
    """Canonical values of one row, or _Rejected naming the column at fault."""
    values: dict[str, Any] = {}
    for name in COLUMNS:
        value = (raw.get(name) or "").strip()
        if problem := text_problem(value):
            raise _Rejected(f"{name}: {problem}")
        if value:
            values[name] = value
    for name, normalize in NORMALIZERS.items():
        if name in values:
            try:
                values[name] = normalize(values[name])
            except InvalidContactDetail as exc:
                raise _Rejected(f"{name}: {exc}") from None
    for name, choices in (("status", PersonStatus.values), ("strength", Strength.values)):
        if name in values:
            canonical = normalize_choice(values[name], choices)
            if canonical is None:
                raise _Rejected(f"{name}: “{values[name]}” is not one of {', '.join(choices)}.")
            values[name] = canonical
    for name, value in values.items():
        if len(value) > MAX_CELL[name]:
            raise _Rejected(f"{name}: longer than {MAX_CELL[name]} characters.")
    if not any(values.get(n) for n in ("first_name", "last_name", "email", "linkedin_url")):
        raise _Rejected("needs at least a name, an email or a LinkedIn URL.")
    return values


def _label(values: dict[str, Any], raw: dict[str, str]) -> str:
    names = values or raw  # a rejected row is named by its cells as they are
    name = f"{names.get('first_name') or ''} {names.get('last_name') or ''}".strip()[:200]
    fallback = (raw.get("email") or raw.get("linkedin_url") or "").strip()
    return name or values.get("email") or values.get("linkedin_url") or fallback or "(empty)"


# A parsed row: line, raw cells, canonical values (None when rejected), the rejection's reason.
Parsed = tuple[int, dict[str, str], dict[str, Any] | None, str]


def _parse(text: str, report: ImportReport) -> list[Parsed] | None:
    """The file's rows, or None with `report.error` saying why the file cannot be read."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        headers = [_header(h) for h in (reader.fieldnames or [])]
        if not set(headers) & set(COLUMNS):
            raise _Rejected(
                "No known column in the first row; expected some of: " + ", ".join(COLUMNS) + "."
            )
        reader.fieldnames = headers
        report.ignored_columns = [h for h in headers if h and h not in COLUMNS]
        raw_rows = []
        for raw in reader:
            if len(raw_rows) >= MAX_ROWS:
                raise _Rejected(f"The file has more than {MAX_ROWS:,} rows; split it.")
            raw_rows.append((reader.line_num, raw))
    except _Rejected as exc:
        report.error = str(exc)
        return None
    except csv.Error as exc:
        report.error = f"The file is not valid CSV: {exc}."
        return None

    parsed: list[Parsed] = []
    for line, raw in raw_rows:
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # blank lines are not rows
        try:
            parsed.append((line, raw, _parse_row(raw), ""))
        except _Rejected as exc:
            parsed.append((line, raw, None, str(exc)))
    return parsed


# --- the services ------------------------------------------------------------------------------


def people_import_csv(
    *,
    file: IO[bytes] | IO[str],
    actor,
    mode: str = ImportMode.FILL_EMPTY,
    skip_invalid: bool = False,
    accept_name_changes: bool = False,
    file_name: str = "",
    workspace=None,
) -> ImportReport:
    """Import a file at once, without a preview (see the module docstring for the rules)."""
    require(actor, Permission.WRITE, "import people")
    report = ImportReport()
    try:
        text = _read(file)
    except _Rejected as exc:
        report.error = str(exc)
        return report
    workspace_id = workspace_for_create(actor, workspace)
    with workspace_scope(workspace_id):
        people_import = PeopleImport(
            workspace_id=workspace_id,
            created_by=acting_user(actor),
            file_name=file_name[:255],
            text=text,
        )
        return _run(people_import, actor, mode, skip_invalid, accept_name_changes)


def people_import_preview(
    *,
    file: IO[bytes] | IO[str],
    actor,
    mode: str = ImportMode.FILL_EMPTY,
    file_name: str = "",
    workspace=None,
) -> ImportReport:
    """Keep the file for its import and plan it: nothing is written but the file. A file that
    cannot be read gives a report with `error` and is not kept."""
    require(actor, Permission.WRITE, "import people")
    report = ImportReport(mode=mode, previewed=True)
    try:
        text = _read(file)
    except _Rejected as exc:
        report.error = str(exc)
        return report
    parsed = _parse(text, report)
    if parsed is None:
        return report
    workspace_id = workspace_for_create(actor, workspace)
    with workspace_scope(workspace_id):
        PeopleImport.objects.filter(
            status=ImportStatus.PREVIEWED, created_at__lt=timezone.now() - PREVIEW_KEPT
        ).delete()
        report.people_import = PeopleImport.objects.create(
            workspace_id=workspace_id,
            created_by=acting_user(actor),
            file_name=file_name[:255],
            text=text,
            mode=mode,
        )
        _plan(parsed, report)
    return report


def people_import_plan(
    *,
    people_import: PeopleImport,
    actor,
    mode: str,
    skip_invalid: bool = False,
    accept_name_changes: bool = False,
) -> ImportReport:
    """What importing a previewed file with these choices would do now."""
    require(actor, Permission.WRITE, "import people")
    report = ImportReport(
        mode=mode,
        previewed=True,
        skip_invalid=skip_invalid,
        accept_name_changes=accept_name_changes,
        people_import=people_import,
    )
    parsed = _parse(people_import.text, report)
    if parsed is not None:
        _plan(parsed, report)
    return report


def people_import_run(
    *,
    people_import: PeopleImport,
    actor,
    mode: str,
    skip_invalid: bool = False,
    accept_name_changes: bool = False,
) -> ImportReport:
    """Import a previewed file with the choices made on its preview."""
    require(actor, Permission.WRITE, "import people")
    if people_import.status != ImportStatus.PREVIEWED:
        raise Conflict("This file was imported already; upload it again to import it again.")
    return _run(people_import, actor, mode, skip_invalid, accept_name_changes)


def _run(people_import, actor, mode, skip_invalid, accept_name_changes) -> ImportReport:
    report = ImportReport(
        mode=mode,
        skip_invalid=skip_invalid,
        accept_name_changes=accept_name_changes,
        people_import=people_import,
    )
    parsed = _parse(people_import.text, report)
    if parsed is None:
        return report
    with transaction.atomic():
        if people_import.pk is not None:  # two clicks on Import: the second finds it done
            locked = PeopleImport.objects.select_for_update().get(pk=people_import.pk)
            if locked.status != ImportStatus.PREVIEWED:
                raise Conflict(
                    "This file was imported already; upload it again to import it again."
                )
        plan = _plan(parsed, report, lock=True)
        if not report.writes:
            return report  # the report says what would have happened
        undo = _write(report, plan, actor, people_import.workspace_id)
        people_import.mode = mode
        people_import.status = ImportStatus.IMPORTED
        people_import.imported_at = timezone.now()  # after every write: undo compares with it
        people_import.counts = report.counts()
        people_import.undo = undo
        people_import.text = ""
        people_import.save()
        audit.record(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type="import",
            object_id=str(people_import.pk),
            workspace_id=people_import.workspace_id,
            changes={
                **{action: [None, n] for action, n in report.counts().items()},
                "mode": [None, mode],
            },
        )
        report.committed = True
    return report


# --- planning ----------------------------------------------------------------------------------


@dataclass
class _Plan:
    new_companies: dict[str, dict[str, str]] = field(default_factory=dict)  # key: lower name
    companies: dict[str, Company] = field(default_factory=dict)  # existing, by lower name
    domains: dict[int, str] = field(default_factory=dict)  # existing company id: domain to fill
    suppressed: set[str] = field(default_factory=set)  # hashes of the addresses on the list

    def is_suppressed(self, email: str | None) -> bool:
        return bool(email) and address_hash(email) in self.suppressed


def _plan(parsed: list[Parsed], report: ImportReport, *, lock: bool = False) -> _Plan:
    """Decide every row's action against the people here, in four queries."""
    valid = [values for _, _, values, _ in parsed if values]
    emails = {v["email"].lower() for v in valid if v.get("email")}
    linkedins = {v["linkedin_url"] for v in valid if v.get("linkedin_url")}
    company_names = {v["company"].lower() for v in valid if v.get("company")}
    people = Person.objects.select_related("company")
    if lock:  # the people an import may change stay as planned until it commits
        people = people.select_for_update(of=("self",))
    # Newest first, so the oldest of duplicates already here is the one matched.
    by_email = {
        p.email_lower: p
        for p in people.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .order_by("-id")
    }
    by_linkedin = {
        p.linkedin_url: p for p in people.filter(linkedin_url__in=linkedins).order_by("-id")
    }
    plan = _Plan()
    # The file's addresses and those of people matched by LinkedIn URL: one query for all.
    plan.suppressed = suppressed_hashes(
        report.people_import.workspace_id, emails | {p.email for p in by_linkedin.values()}
    )
    plan.companies = {
        c.name_lower: c
        for c in Company.objects.annotate(name_lower=Lower("name"))
        .filter(name_lower__in=company_names)
        .order_by("-id")
    }

    first_line: dict[tuple[str, str], int] = {}  # ("email", address) → the first line with it
    line_of_person: dict[int, int] = {}  # person id → the line matching them
    results: dict[int, RowResult] = {}
    for line, raw, values, reason in parsed:
        row = RowResult(line=line, action=REJECTED, label=_label(values or {}, raw), reason=reason)
        report.rows.append(row)
        if values is None:
            continue
        results[line] = row
        keys = [("email", values["email"].lower())] if values.get("email") else []
        keys += [("LinkedIn URL", values["linkedin_url"])] if values.get("linkedin_url") else []
        match, how = None, ""
        for kind, key in keys:
            match = match or (by_email if kind == "email" else by_linkedin).get(key)
            if match is not None and not how:
                how = kind
        repeated = next(((first_line[k], k[0]) for k in keys if k in first_line), None)
        if repeated is None and match is not None and match.pk in line_of_person:
            repeated = (line_of_person[match.pk], "match")
        if repeated is not None:
            earlier, kind = repeated
            same = f"the same {kind}" if kind != "match" else "the same person here"
            row.action, row.duplicate_of = SKIPPED, earlier
            for key in keys:  # what the repeat adds is the same person's too
                first_line.setdefault(key, earlier)
            row.reason = f"Repeats line {earlier} ({same}); only line {earlier} is imported."
            results[earlier].repeated_on.append(line)
            continue
        for key in keys:
            first_line[key] = line
        _plan_row(row, values, match, how, report, plan)
        # A row naming someone else, left alone, does not speak for the person it matched.
        if match is not None and not (row.name_differs and row.action == SKIPPED):
            line_of_person[match.pk] = line
    return plan


def _plan_row(row: RowResult, values, match: Person | None, how: str, report, plan) -> None:
    person_values = {k: v for k, v in values.items() if k in PERSON_COLUMNS}
    company_name = values.get("company", "")
    company = plan.companies.get(company_name.lower())
    row.company_key = company_name.lower()
    if match is None:
        if plan.is_suppressed(person_values.get("email")):
            person_values["status"] = PersonStatus.DO_NOT_CONTACT
            row.reason = SUPPRESSED_NOTE
        row.action, row.values = CREATED, person_values
        if company_name:
            _plan_company(plan, values, company, fill_domain=report.mode != ImportMode.CREATE_ONLY)
        return

    row.person = match
    row.reason = f"matched by {how}"
    if _name_differs(match, values):
        row.name_differs = match.full_name
    differences = [
        Change(name, getattr(match, name), new)
        for name, new in person_values.items()
        if not _same(name, getattr(match, name), new)
    ]
    if company_name and (company is None or company.pk != match.company_id):
        before = match.company.name if match.company else ""
        differences.append(Change("company", before, company_name))
    if report.mode == ImportMode.CREATE_ONLY:
        row.action, row.kept = SKIPPED, differences
        row.reason = f"Already here (matched by {how}); create only leaves them as they are."
        return
    if row.name_differs and not report.accept_name_changes:
        row.action, row.kept = SKIPPED, differences
        row.reason = (
            f"Matched {match.full_name} by {how}, but the file names {row.label}: left as is. "
            "Tick “Also update people whose name differs” to change them."
        )
        return
    overwrite = report.mode == ImportMode.OVERWRITE
    for change in differences:
        (row.changes if overwrite or not change.before else row.kept).append(change)
    _keep_suppressed(row, match, plan)
    if not row.changes:
        row.action = UNCHANGED
        row.reason += "; the mode keeps what is here" if row.kept else "; nothing to change"
        return
    row.action = UPDATED
    row.values = {c.field: c.after for c in row.changes if c.field != "company"}
    if company_name:
        _plan_company(plan, values, company, fill_domain=True)


def _keep_suppressed(row: RowResult, match: Person, plan: _Plan) -> None:
    """A match whose address (after the import) is suppressed is do_not_contact: the file's
    status is kept out, and the match's own becomes do_not_contact if it is not already."""
    email = next((c.after for c in row.changes if c.field == "email"), match.email)
    if not plan.is_suppressed(email):
        return
    row.kept += [c for c in row.changes if c.field == "status"]
    row.changes = [c for c in row.changes if c.field != "status"]
    if match.status != PersonStatus.DO_NOT_CONTACT:
        row.changes.append(Change("status", match.status, PersonStatus.DO_NOT_CONTACT.value))
        row.reason += f". {SUPPRESSED_NOTE}"


def _plan_company(plan: _Plan, values, company: Company | None, *, fill_domain: bool) -> None:
    """A row's company: made when missing; an existing one without a domain gets the row's."""
    domain = values.get("company_domain", "")
    if company is None:
        new = plan.new_companies.setdefault(
            values["company"].lower(), {"name": values["company"], "domain": ""}
        )
        new["domain"] = new["domain"] or domain
    elif fill_domain and domain and not company.domain:
        plan.domains.setdefault(company.pk, domain)


def _same(name: str, before: Any, after: Any) -> bool:
    if name == "email":  # addresses are matched without regard to case
        return (before or "").lower() == (after or "").lower()
    return before == after


def _name_differs(person: Person, values: dict[str, Any]) -> bool:
    """The row names someone else: a name part given on both sides disagrees."""
    return any(
        values.get(part)
        and getattr(person, part)
        and values[part].casefold() != getattr(person, part).casefold()
        for part in ("first_name", "last_name")
    )


# --- writing -----------------------------------------------------------------------------------


def _write(report: ImportReport, plan: _Plan, actor, workspace_id: int) -> dict[str, Any]:
    """Write the plan set-based: one insert per model, one update per model, the audit entries
    in bulk. Returns what undoing it needs."""
    now = timezone.now()
    written = [row for row in report.rows if row.action in (CREATED, UPDATED)]
    used = {_new_company(row) for row in written} & set(plan.new_companies)
    new_companies = {
        key: Company(workspace_id=workspace_id, **plan.new_companies[key]) for key in sorted(used)
    }
    Company.objects.bulk_create(new_companies.values())
    audit.record_many(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="company",
        rows=[
            (workspace_id, c.public_id, audit.created({"name": c.name, "domain": c.domain}))
            for c in new_companies.values()
        ],
    )
    companies = {**plan.companies, **new_companies}
    named = {companies[row.company_key].pk for row in written if row.company_key in companies}
    domains = {pk: domain for pk, domain in plan.domains.items() if pk in named}
    if domains:
        update_rows(Company, {pk: {"domain": d} for pk, d in domains.items()}, now)
        audit.record_many(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="company",
            rows=[(workspace_id, f"com_{pk}", {"domain": ["", d]}) for pk, d in domains.items()],
        )

    created = []
    for row in written:
        if row.action == CREATED:
            company = companies.get(row.company_key)
            row.person = Person(workspace_id=workspace_id, company=company, **row.values)
            created.append(row)
    Person.objects.bulk_create([row.person for row in created])
    audit.record_many(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="person",
        rows=[
            (
                workspace_id,
                row.person.public_id,
                audit.created({**row.values, "company": row.person.company}),
            )
            for row in created
        ],
    )

    updates: dict[int, dict[str, Any]] = {}
    undo_updates: dict[str, dict[str, list]] = {}
    audit_rows = []
    for row in written:
        if row.action != UPDATED:
            continue
        person = row.person
        new = dict(row.values)
        before = {name: getattr(person, name) for name in new}
        if "company" in {c.field for c in row.changes}:
            new["company"] = companies[row.company_key].pk
            before["company"] = person.company_id
        if "email" in new:  # a new address has not bounced, and whoever gave it knew it
            new.update(email_invalid=False, email_inferred=False)
            before.update(email_invalid=person.email_invalid, email_inferred=person.email_inferred)
        updates[person.pk] = new
        undo_updates[str(person.pk)] = {name: [before[name], new[name]] for name in new}
        audit_rows.append((workspace_id, person.public_id, _audit_changes(before, new)))
    if updates:
        update_rows(Person, updates, now)
        audit.record_many(
            actor=actor, action=AuditAction.UPDATE, object_type="person", rows=audit_rows
        )
    return {
        "people": [row.person.pk for row in created],
        "companies": [c.pk for c in new_companies.values()],
        "updated": undo_updates,
        "domains": {str(pk): ["", d] for pk, d in domains.items()},
    }


def _new_company(row: RowResult) -> str:
    """The key of the company a written row gives its person ("" for none)."""
    if row.action == CREATED or any(c.field == "company" for c in row.changes):
        return row.company_key
    return ""


def _audit_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """The audit log's before/after of a person's fields, companies named by their ids."""

    def shown(name, value):
        return f"com_{value}" if name == "company" and value is not None else value

    return {
        name: [shown(name, before[name]), shown(name, value)]
        for name, value in after.items()
        if before[name] != value
    }


# --- undo --------------------------------------------------------------------------------------


def latest_import() -> PeopleImport | None:
    """The workspace's last import (undone or not): the one an undo may apply to."""
    return (
        PeopleImport.objects.exclude(status=ImportStatus.PREVIEWED)
        .select_related("created_by")
        .order_by("-id")
        .first()
    )


@dataclass
class UndoResult:
    removed: int  # people the import created
    restored: int  # people whose changed fields were put back
    companies_removed: int


@transaction.atomic
def people_import_undo(*, people_import: PeopleImport, actor) -> UndoResult:
    """Undo an import: the people and companies it created are deleted, the fields it changed
    get their values back. Refused (409, nothing changed) unless it is the workspace's latest
    import and nothing it wrote has changed since."""
    require(actor, Permission.WRITE, "undo imports")
    people_import = PeopleImport.objects.select_for_update().get(pk=people_import.pk)
    if people_import.status == ImportStatus.UNDONE:
        raise Conflict("This import was undone already.")
    if people_import.status != ImportStatus.IMPORTED:
        raise Conflict("This file was previewed but never imported: there is nothing to undo.")
    if PeopleImport.objects.filter(status=ImportStatus.IMPORTED, pk__gt=people_import.pk).exists():
        raise Conflict("Only the latest import can be undone, and another was made since.")
    undo = people_import.undo
    at = people_import.imported_at
    created_ids = set(undo.get("people", []))
    updated = {int(pk): fields for pk, fields in undo.get("updated", {}).items()}
    people = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(pk__in=created_ids | set(updated))
    }
    problems = []
    for pk, fields in updated.items():
        person = people.get(pk)
        if person is None:
            problems.append(f"a person it updated (per_{pk}) was deleted since")
        elif person.updated_at > at or any(
            getattr(person, "company_id" if name == "company" else name) != after
            for name, (_, after) in fields.items()
        ):
            problems.append(f"{person} was edited after the import")
    for pk in created_ids & set(people):
        if people[pk].updated_at > at:
            problems.append(f"{people[pk]} was edited after the import")
    problems += _now_referenced(Person, created_ids & set(people), people)
    if problems:
        _refuse(problems)

    now = timezone.now()
    workspace_id = people_import.workspace_id
    restore = {
        pk: {name: before for name, (before, _) in fields.items()} for pk, fields in updated.items()
    }
    if restore:
        update_rows(Person, restore, now)
        audit.record_many(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="person",
            rows=[
                (
                    workspace_id,
                    f"per_{pk}",
                    _audit_changes({n: after for n, (_, after) in updated[pk].items()}, values),
                )
                for pk, values in restore.items()
            ],
        )
    removed = [people[pk] for pk in sorted(created_ids & set(people))]
    audit.record_many(
        actor=actor,
        action=AuditAction.DELETE,
        object_type="person",
        rows=[(workspace_id, p.public_id, {"name": [str(p), None]}) for p in removed],
    )
    Person.objects.filter(pk__in=[p.pk for p in removed]).delete()

    companies_removed = _undo_companies(undo, at, now, actor, workspace_id)
    people_import.status = ImportStatus.UNDONE
    people_import.undone_at = now
    people_import.save(update_fields=["status", "undone_at"])
    audit.record(
        actor=actor,
        action=AuditAction.IMPORT,
        object_type="import",
        object_id=str(people_import.pk),
        workspace_id=workspace_id,
        changes={"undone": [False, True]},
    )
    return UndoResult(
        removed=len(removed), restored=len(restore), companies_removed=companies_removed
    )


def _undo_companies(undo, at, now, actor, workspace_id: int) -> int:
    """Delete the companies the import created and empty the domains it filled; the people
    are already back, so anything still naming one of those companies came later."""
    created_ids = set(undo.get("companies", []))
    domains = {int(pk): after for pk, (_, after) in undo.get("domains", {}).items()}
    companies = {
        c.pk: c
        for c in Company.objects.select_for_update().filter(pk__in=created_ids | set(domains))
    }
    problems = [
        f"the company {c} was edited after the import"
        for c in companies.values()
        if c.updated_at > at or (c.pk in domains and c.domain != domains[c.pk])
    ]
    problems += _now_referenced(Company, created_ids & set(companies), companies)
    if problems:
        _refuse(problems)
    filled = [pk for pk in domains if pk in companies]
    if filled:
        update_rows(Company, {pk: {"domain": ""} for pk in filled}, now)
        audit.record_many(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="company",
            rows=[(workspace_id, f"com_{pk}", {"domain": [domains[pk], ""]}) for pk in filled],
        )
    removed = [companies[pk] for pk in sorted(created_ids & set(companies))]
    audit.record_many(
        actor=actor,
        action=AuditAction.DELETE,
        object_type="company",
        rows=[(workspace_id, c.public_id, {"name": [c.name, None]}) for c in removed],
    )
    Company.objects.filter(pk__in=[c.pk for c in removed]).delete()
    return len(removed)


def _now_referenced(model, ids: set[int], objects: dict) -> list[str]:
    """What refers to these rows now (outreaches, follow-ups, jobs, people): one query per kind
    of reference, read from the model's relations so no app above this one is imported."""
    problems = []
    if not ids:
        return problems
    for relation in model._meta.related_objects:
        if not (relation.one_to_many or relation.one_to_one):
            continue
        column = relation.field.attname
        manager = relation.related_model._base_manager
        referring = set(
            manager.filter(**{f"{column}__in": ids})
            .values_list(column, flat=True)
            .order_by()
            .distinct()
        )
        kind = relation.related_model._meta.verbose_name_plural
        problems += [f"{objects[pk]} has {kind} now" for pk in sorted(referring)]
    return problems


def _refuse(problems: list[str]) -> None:
    shown = "; ".join(problems[:3])
    more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
    raise Conflict(f"This import cannot be undone: {shown}{more}. Nothing was changed.")
