"""Import people from a CSV file: dedupe by email, then LinkedIn URL, with a per-row report.

The whole file is one transaction. By default a single rejected row means nothing is written
(the report then says what would have happened); with `skip_invalid` the valid rows are written
and the rejected ones reported.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.db.models.functions import Lower

from core.enums import normalize_choice
from core.errors import DomainError
from core.scoping import workspace_scope
from core.validation import text_problem
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require
from workspaces.selectors import workspace_for_create

from . import services
from .choices import PersonStatus, Strength
from .models import Company, Person
from .normalize import (
    InvalidContactDetail,
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_profile_url,
)

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

NORMALIZERS = {
    "email": normalize_email,
    "phone": normalize_phone,
    "linkedin_url": lambda value: normalize_profile_url(value, "linkedin"),
    "facebook_url": lambda value: normalize_profile_url(value, "facebook"),
    "company_domain": normalize_domain,
}

CREATED, UPDATED, REJECTED = "created", "updated", "rejected"


@dataclass
class RowResult:
    line: int  # line number in the file, the header being line 1
    action: str
    label: str
    reason: str = ""
    person: Person | None = None


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    committed: bool = False
    error: str = ""  # the file as a whole could not be read
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def rejected(self) -> int:
        return self.count(REJECTED)


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
    name = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
    fallback = (raw.get("email") or raw.get("linkedin_url") or "").strip()
    return name or values.get("email") or values.get("linkedin_url") or fallback or "(empty)"


def people_import_csv(
    *, file: IO[bytes] | IO[str], actor, skip_invalid: bool = False, workspace=None
) -> ImportReport:
    """Import people from CSV into the actor's workspace (or `workspace`), matching only its
    people and companies; see the module docstring for the rules."""
    require(actor, Permission.WRITE, "import people")
    with workspace_scope(workspace_for_create(actor, workspace)):
        return _import(file, actor, skip_invalid)


def _import(file, actor, skip_invalid: bool) -> ImportReport:
    report = ImportReport()
    try:
        text = _read(file)
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
        return report
    except csv.Error as exc:
        report.error = f"The file is not valid CSV: {exc}."
        return report

    parsed: list[tuple[int, dict[str, str], dict[str, Any] | None, str]] = []
    for line, raw in raw_rows:
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # blank lines are not rows
        try:
            parsed.append((line, raw, _parse_row(raw), ""))
        except _Rejected as exc:
            parsed.append((line, raw, None, str(exc)))

    with transaction.atomic():
        _write(parsed, report, actor)
        report.committed = skip_invalid or report.rejected == 0
        if not report.committed:
            transaction.set_rollback(True)
        else:
            audit.record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="import",
                changes={
                    "created": [None, report.created],
                    "updated": [None, report.updated],
                    "rejected": [None, report.rejected],
                },
            )
    return report


def _write(parsed, report: ImportReport, actor) -> None:
    valid = [values for _, _, values, _ in parsed if values]
    emails = {v["email"].lower() for v in valid if v.get("email")}
    linkedins = {v["linkedin_url"] for v in valid if v.get("linkedin_url")}
    company_names = {v["company"].lower() for v in valid if v.get("company")}
    # Three queries find every existing match, whatever the file's size; newest first, so
    # the oldest of duplicates already in the database is the one matched.
    by_email = {
        p.email_lower: p
        for p in Person.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .order_by("-id")
    }
    by_linkedin = {
        p.linkedin_url: p for p in Person.objects.filter(linkedin_url__in=linkedins).order_by("-id")
    }
    companies = {
        c.name_lower: c
        for c in Company.objects.annotate(name_lower=Lower("name"))
        .filter(name_lower__in=company_names)
        .order_by("-id")
    }

    for line, raw, values, reason in parsed:
        label = _label(values or {}, raw)
        if values is None:
            report.rows.append(RowResult(line=line, action=REJECTED, label=label, reason=reason))
            continue
        try:
            with transaction.atomic():
                person_values = {k: v for k, v in values.items() if k in PERSON_COLUMNS}
                company = _company(values, companies, actor)
                if company is not None:
                    person_values["company"] = company
                match = None
                if values.get("email"):
                    match = by_email.get(values["email"].lower())
                    how = "email"
                if match is None and values.get("linkedin_url"):
                    match = by_linkedin.get(values["linkedin_url"])
                    how = "LinkedIn URL"
                if match is not None:
                    changes = {k: v for k, v in person_values.items() if _differs(match, k, v)}
                    person = services.person_update(person=match, actor=actor, **changes)
                    note = f"matched by {how}" + ("" if changes else "; already up to date")
                    result = RowResult(line, UPDATED, label, note, person)
                else:
                    person = services.person_create(actor=actor, **person_values)
                    result = RowResult(line, CREATED, label, "", person)
        except DomainError as exc:
            where = f"{exc.field}: " if exc.field else ""
            report.rows.append(RowResult(line, REJECTED, label, f"{where}{exc.message}"))
            continue
        # Later rows of the same file update this person instead of duplicating them.
        if person.email:
            by_email[person.email.lower()] = person
        if person.linkedin_url:
            by_linkedin[person.linkedin_url] = person
        report.rows.append(result)


def _differs(person: Person, name: str, value: Any) -> bool:
    if name == "company":  # compare ids: reading person.company would cost a query per row
        return person.company_id != value.pk
    return getattr(person, name) != value


def _company(values: dict[str, Any], companies: dict[str, Company], actor) -> Company | None:
    name = values.get("company")
    if not name:
        return None
    company = companies.get(name.lower())
    if company is None:
        company = services.company_create(
            actor=actor, name=name, domain=values.get("company_domain", "")
        )
        companies[name.lower()] = company
    elif values.get("company_domain") and not company.domain:
        company = services.company_update(
            company=company, actor=actor, domain=values["company_domain"]
        )
    return company
