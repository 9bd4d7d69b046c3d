"""Writes of companies and people. Contact details are stored in canonical form."""

from datetime import datetime
from typing import Any

from django.db import transaction

from core.bulk import update_rows
from core.errors import InvalidInput
from core.hooks import Hook
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require, require_delete, require_owner
from workspaces.selectors import workspace_for_create

from .choices import PersonStatus, Strength, SuppressionReason
from .models import Company, Person
from .normalize import (
    InvalidContactDetail,
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_profile_url,
)
from .suppressions import is_suppressed, suppress

# Called in the transaction of a company's rename or change of owner (the outreach list keeps
# copies of both to sort by).
company_changed = Hook("a company was renamed or given another owner")
# Called in the transaction of a person's erasure with `person_id`: the texts written to them
# (outreaches' subjects and bodies, the messages sent) go too.
person_erased = Hook("a person's personal data was erased")

# What erasing a person blanks: everything that says who they are.
ERASED_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "email",
    "phone",
    "linkedin_url",
    "facebook_url",
)
SUPPRESSED_STATUS = (
    "The address is on the suppression list: this person stays do not contact "
    "until it is removed from the list."
)

_PERSON_NORMALIZERS = {
    "email": normalize_email,
    "phone": normalize_phone,
    "linkedin_url": lambda v: normalize_profile_url(v, "linkedin"),
    "facebook_url": lambda v: normalize_profile_url(v, "facebook"),
}


def _normalized(values: dict[str, Any], normalizers: dict) -> dict[str, Any]:
    out = dict(values)
    for name, normalize in normalizers.items():
        if out.get(name):
            try:
                out[name] = normalize(out[name])
            except InvalidContactDetail as exc:
                raise InvalidInput(str(exc), field=name) from None
    return out


@transaction.atomic
def company_create(*, actor, workspace=None, **values: Any) -> Company:
    """Create a company; the domain is stored lower-case without `www.`."""
    require(actor, Permission.WRITE, "create companies")
    require_owner(actor, getattr(values.get("owner"), "pk", None), "give a company another owner")
    values = _normalized(values, {"domain": normalize_domain})
    company = Company.objects.create(workspace_id=workspace_for_create(actor, workspace), **values)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=company, changes=audit.created(values))
    return company


@transaction.atomic
def company_update(*, company: Company, actor, **changes: Any) -> Company:
    """Change a company; a new name or owner is announced through `company_changed`."""
    require(actor, Permission.WRITE, "edit companies")
    if "owner" in changes and getattr(changes["owner"], "pk", None) != company.owner_id:
        require_owner(actor, getattr(changes["owner"], "pk", None), "give a company another owner")
    changes = _normalized(changes, {"domain": normalize_domain})
    before = audit.snapshot(company, changes)
    renamed = ("name" in changes and changes["name"] != company.name) or (
        "owner" in changes and getattr(changes["owner"], "pk", None) != company.owner_id
    )
    for name, value in changes.items():
        setattr(company, name, value)
    if changes:
        company.save(update_fields=[*changes, "updated_at"])
    if renamed:
        company_changed(company=company)
    audit.record_update(actor, company, before, changes)
    return company


@transaction.atomic
def company_delete(*, company: Company, actor) -> None:
    """Delete a company; people stay, without a company. Refused while outreaches name it."""
    require_delete(actor, {company.owner_id}, "delete companies")
    audit.record_delete(actor, company)
    company.delete()


@transaction.atomic
def person_create(*, actor, workspace=None, **values: Any) -> Person:
    """Create a person with email, phone (E.164) and profile links in canonical form; one whose
    address is on the suppression list is created do_not_contact."""
    require(actor, Permission.WRITE, "create people")
    values = _normalized(values, _PERSON_NORMALIZERS)
    workspace_id = workspace_for_create(actor, workspace)
    if is_suppressed(workspace_id, values.get("email", "")):
        values["status"] = PersonStatus.DO_NOT_CONTACT
    person = Person.objects.create(workspace_id=workspace_id, **values)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=person, changes=audit.created(values))
    return person


@transaction.atomic
def person_update(*, person: Person, actor, **changes: Any) -> Person:
    """Change a person. Given a suppressed address they become do_not_contact; while their
    address is suppressed no other status may be set (400 naming `status`)."""
    require(actor, Permission.WRITE, "edit people")
    changes = _normalized(changes, _PERSON_NORMALIZERS)
    new_email = "email" in changes and changes["email"] != person.email
    if new_email:
        # A new address has not bounced, and whoever set it knew it.
        changes["email_invalid"] = False
        changes["email_inferred"] = False
    other_status = changes.get("status", PersonStatus.DO_NOT_CONTACT) != (
        PersonStatus.DO_NOT_CONTACT
    )
    if new_email or other_status:
        email = changes["email"] if new_email else person.email
        if is_suppressed(person.workspace_id, email):
            if not new_email:
                raise InvalidInput(SUPPRESSED_STATUS, field="status")
            changes["status"] = PersonStatus.DO_NOT_CONTACT
    before = audit.snapshot(person, changes)
    for name, value in changes.items():
        setattr(person, name, value)
    if changes:
        person.save(update_fields=[*changes, "updated_at"])
    audit.record_update(actor, person, before, changes)
    return person


@transaction.atomic
def person_delete(*, person: Person, actor) -> None:
    """Delete a person. Refused (409) while outreaches name them."""
    owner_id = person.company.owner_id if person.company_id else None
    require_delete(actor, {owner_id}, "delete people")
    audit.record_delete(actor, person)
    person.delete()


@transaction.atomic
def person_erase(*, person: Person, actor) -> Person:
    """Erase a person's personal data (GDPR): their address goes on the suppression list (as
    its hash, `manual` unless it is there already), every field that says who they are is
    blanked, they become do_not_contact, and the texts written to them go through
    `person_erased`. The row stays, so the outreaches that name it keep their history. The
    audit entry says that it happened, never what was erased. Managers and admins."""
    require(actor, Permission.DELETE_ANY, "erase people's personal data")
    person = Person.objects.select_for_update().get(pk=person.pk)
    email, status_before = person.email, person.status
    blank = {name: "" for name in ERASED_FIELDS}
    blank.update(email_invalid=False, email_inferred=False, status=PersonStatus.DO_NOT_CONTACT)
    for name, value in blank.items():
        setattr(person, name, value)
    person.save(update_fields=[*blank, "updated_at"])
    if email:  # after the blanking: it marks only other people who have the address
        suppress(
            workspace_id=person.workspace_id,
            email=email,
            reason=SuppressionReason.MANUAL,
            actor=actor,
        )
    person_erased(person_id=person.pk)
    changes = {"personal_data": ["present", "erased"]}
    if status_before != PersonStatus.DO_NOT_CONTACT:
        changes["status"] = [status_before, PersonStatus.DO_NOT_CONTACT.value]
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=person, changes=changes)
    return person


def people_update_details(*, changes: dict[int, dict[str, Any]], at: datetime) -> None:
    """Store contact details found for many people at once (`{person id: {field: value}}`),
    already in canonical form: enrichment's results. Set-based, whatever the count."""
    if changes:
        update_rows(Person, changes, at)


# --- effects of outreaches on the person (called inside the outreach's transaction) ----------

# Statuses a new contact or outcome may not overwrite: a person's own "no" stays.
_FINAL_STATUSES = {PersonStatus.DO_NOT_CONTACT}


def person_record_contacted(*, person_id: int, at: datetime) -> None:
    """An outreach went out: a `new` person becomes `contacted`; the last touch moves forward."""
    people_record_contacted(person_ids=[person_id], at=at)


def people_record_contacted(*, person_ids: list[int], at: datetime) -> None:
    """`person_record_contacted` for many people at once (two UPDATEs)."""
    if not person_ids:
        return
    Person.objects.filter(pk__in=person_ids, status=PersonStatus.NEW).update(
        status=PersonStatus.CONTACTED
    )
    Person.objects.filter(pk__in=person_ids).exclude(last_contacted_at__gte=at).update(
        last_contacted_at=at
    )


def person_apply_outcome(*, person_id: int, outcome: str, at: datetime) -> None:
    """What an outreach's outcome says about the person (the outcome effects)."""
    people = Person.objects.filter(pk=person_id)
    if outcome in ("replied", "positive"):
        people.exclude(last_replied_at__gte=at).update(last_replied_at=at)
    if outcome == "replied":
        people.exclude(status__in=[*_FINAL_STATUSES, PersonStatus.INTERESTED]).update(
            status=PersonStatus.REPLIED
        )
    elif outcome == "positive":
        people.exclude(status__in=_FINAL_STATUSES).update(status=PersonStatus.INTERESTED)
        people.filter(strength=Strength.WEAK).update(strength=Strength.MEDIUM)
    elif outcome == "negative":
        people.exclude(status__in=_FINAL_STATUSES).update(status=PersonStatus.NOT_INTERESTED)
    elif outcome == "unsubscribed":
        people.update(status=PersonStatus.DO_NOT_CONTACT)
    elif outcome == "bounced":
        people.update(email_invalid=True)
