"""The workspace's suppression list: addresses never to contact again, kept only as the SHA-256
of the stripped, lower-cased address.

Reads answer whether addresses are on the list (one query, whatever their number); writes add
an entry (idempotent: an address already there keeps its first entry) and remove one, each
audited. A person given a suppressed address becomes `do_not_contact` (contacts.services and
the CSV import ask `is_suppressed` / `suppressed_hashes`); adding an address marks the people
who have it now too.
"""

import hashlib
import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core.actors import Actor, acting_user
from core.errors import InvalidInput
from core.public_ids import format_public_id
from core.validation import text_problem
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require
from workspaces.selectors import workspace_for_create

from .choices import PersonStatus, SuppressionReason
from .models import MAX_SUPPRESSION_NOTE, Person, Suppression
from .normalize import InvalidContactDetail, normalize_email

_HASH = re.compile(r"^[0-9a-f]{64}$")
HASH_MESSAGE = "Not a SHA-256 in hex: expected 64 characters 0-9 and a-f."
ADD = "add addresses to the suppression list"
REMOVE = "remove addresses from the suppression list"


def address_hash(email: str) -> str:
    """The SHA-256, in hex, of the stripped, lower-cased address: all the list keeps of it."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


# --- reads --------------------------------------------------------------------------------------


def is_suppressed(workspace_id: int, email: str) -> bool:
    """Whether the address is on the workspace's suppression list (an empty one never is)."""
    if not email or not email.strip():
        return False
    return Suppression.objects.filter(
        workspace_id=workspace_id, address_hash=address_hash(email)
    ).exists()


def suppressed_hashes(workspace_id: int, emails: Iterable[str]) -> set[str]:
    """The hashes of those addresses that are on the list, in one query (an import asks once
    for the whole file)."""
    hashes = {address_hash(email) for email in emails if email and email.strip()}
    if not hashes:
        return set()
    return set(
        Suppression.objects.filter(workspace_id=workspace_id, address_hash__in=hashes).values_list(
            "address_hash", flat=True
        )
    )


# --- writes -------------------------------------------------------------------------------------


@transaction.atomic
def suppression_create(
    *,
    actor: Actor,
    email: str = "",
    address_hash: str = "",
    reason: str = SuppressionReason.MANUAL,
    note: str = "",
    workspace=None,
) -> tuple[Suppression, bool]:
    """Put an address on the list, given as the address or as its hash (one of the two).
    Answers the entry and whether it is new: an address already there keeps its first entry.
    Anyone who may write records may add one."""
    require(actor, Permission.WRITE, ADD)
    email, given_hash = (email or "").strip(), (address_hash or "").strip().lower()
    if email and given_hash:
        raise InvalidInput("Give the address or its hash, not both.", field="address_hash")
    if not email and not given_hash:
        raise InvalidInput("Give the address to suppress (or its address_hash).", field="email")
    if email:
        try:
            email = normalize_email(email)
        except InvalidContactDetail as exc:
            raise InvalidInput(str(exc), field="email") from None
    elif not _HASH.match(given_hash):
        raise InvalidInput(HASH_MESSAGE, field="address_hash")
    return _suppress(
        workspace_id=workspace_for_create(actor, workspace),
        email=email,
        hashed=given_hash,
        reason=reason,
        note=note,
        actor=actor,
    )


def suppress(
    *, workspace_id: int, email: str, reason: str, actor: Actor, note: str = ""
) -> Suppression:
    """Put an address on the list for another service that decided it (its own permission
    checked): idempotent, an address already there keeps its first entry."""
    return _suppress(
        workspace_id=workspace_id, email=email, hashed="", reason=reason, note=note, actor=actor
    )[0]


def _suppress(
    *, workspace_id: int, email: str, hashed: str, reason: str, note: str, actor: Actor
) -> tuple[Suppression, bool]:
    if reason not in SuppressionReason.values:
        raise InvalidInput(f"Use one of: {', '.join(SuppressionReason.values)}.", field="reason")
    note = (note or "").strip()
    if problem := text_problem(note):
        raise InvalidInput(problem, field="note")
    if "\n" in note or "\r" in note:
        raise InvalidInput("Must be one line of text.", field="note")
    if len(note) > MAX_SUPPRESSION_NOTE:
        raise InvalidInput(
            f"Ensure this field has no more than {MAX_SUPPRESSION_NOTE} characters.", field="note"
        )
    with transaction.atomic():
        suppression, created = Suppression.objects.get_or_create(
            workspace_id=workspace_id,
            address_hash=hashed or address_hash(email),
            defaults={"reason": reason, "note": note, "created_by": acting_user(actor)},
        )
        if created:
            audit.record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=suppression,
                changes=audit.created(
                    {"address_hash": suppression.address_hash, "reason": reason, "note": note}
                ),
            )
        if email:
            _mark_do_not_contact(workspace_id, email, actor)
    return suppression, created


def _mark_do_not_contact(workspace_id: int, email: str, actor: Actor) -> None:
    """The people who have this address now become do_not_contact (one update, its entries in
    one insert). An address given only as its hash names no one: it is matched when a person
    is given it."""
    people = (
        Person.objects.annotate(email_lower=Lower("email"))
        .filter(workspace_id=workspace_id, email_lower=email.strip().lower())
        .exclude(status=PersonStatus.DO_NOT_CONTACT)
    )
    before = dict(people.values_list("pk", "status"))
    if not before:
        return
    Person.objects.filter(pk__in=before).update(
        status=PersonStatus.DO_NOT_CONTACT, updated_at=timezone.now()
    )
    audit.record_many(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="person",
        rows=[
            (
                workspace_id,
                format_public_id(Person.PUBLIC_ID_PREFIX, pk),
                {"status": [status, PersonStatus.DO_NOT_CONTACT.value]},
            )
            for pk, status in sorted(before.items())
        ],
    )


@transaction.atomic
def suppression_delete(*, suppression: Suppression, actor: Actor) -> None:
    """Take an address off the list (managers and admins). The people it made do_not_contact
    stay so: whether to contact them again is a decision of its own."""
    require(actor, Permission.DELETE_ANY, REMOVE)
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=suppression,
        changes={"address_hash": [suppression.address_hash, None]},
    )
    suppression.delete()
