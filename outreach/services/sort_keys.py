"""The one writer of the outreach list's sort keys.

`sort=company|owner|sequence` orders the list by the company's name, its owner's username and
the sequence's name. Sorting through joins reads every row; so each outreach carries copies of
those names (`sort_company`, `sort_owner`, `sort_sequence`), indexed with the id. Every path that
sets an outreach's company or sequence, or renames what they point to, calls this module in the
transaction of its change: nothing else writes these columns.

- one outreach about to be saved: `copy_onto`;
- rows written in bulk (the demo data): `row_values`;
- a company renamed or given another owner: `company_changed` (contacts calls it through
  `contacts.services.company_changed`, registered in `OutreachConfig.ready`);
- a sequence renamed, assigned to many, or deleted: `sequence_renamed`, `sequence_assigned`,
  `sequence_removed`;
- a user renamed or deleted in the admin: `user_renamed`, `user_deleted` (connected to the user
  model's signals in `OutreachConfig.ready`: Django's own user admin has no service to call);
- anything else, set-based from the joins: `refresh`.
"""

from django.db.models import OuterRef, QuerySet, Subquery

from contacts.models import Company

from ..models import Outreach, Sequence

FIELDS = ("sort_company", "sort_owner", "sort_sequence")
# Changing one of these moves the keys.
SOURCES = frozenset({"company", "company_id", "sequence", "sequence_id"})


def row_values(
    *, company_name: str | None, owner_username: str | None, sequence_name: str | None
) -> dict[str, str | None]:
    """The sort-key columns of a row whose company, owner and sequence have these names."""
    return {
        "sort_company": company_name,
        "sort_owner": owner_username,
        "sort_sequence": sequence_name,
    }


def copy_onto(outreach: Outreach) -> None:
    """Set the keys of one outreach from its company (with owner) and sequence: from the related
    objects when they are loaded, else company and owner in one query."""
    company_name = owner_username = None
    if outreach.company_id is not None:
        company = outreach.company if Outreach.company.is_cached(outreach) else None
        if company is not None and (company.owner_id is None or Company.owner.is_cached(company)):
            company_name = company.name
            owner_username = company.owner.username if company.owner_id else None
        else:
            names = (
                Company.objects.filter(pk=outreach.company_id)
                .values_list("name", "owner__username")
                .first()
            )
            company_name, owner_username = names or (None, None)
    sequence_name = outreach.sequence.name if outreach.sequence_id else None
    for name, value in row_values(
        company_name=company_name, owner_username=owner_username, sequence_name=sequence_name
    ).items():
        setattr(outreach, name, value)


def touches_keys(update_fields) -> bool:
    """Whether a save of these fields (None: all of them) moves the keys."""
    return update_fields is None or not SOURCES.isdisjoint(update_fields)


def company_changed(*, company: Company) -> None:
    """The company was renamed or given another owner: its outreaches follow, in one UPDATE."""
    Outreach.objects.filter(company_id=company.pk).update(
        sort_company=company.name,
        sort_owner=company.owner.get_username() if company.owner_id else None,
    )


def sequence_renamed(*, sequence: Sequence) -> None:
    Outreach.objects.filter(sequence_id=sequence.pk).update(sort_sequence=sequence.name)


def sequence_assigned(*, sequence: Sequence) -> dict[str, str]:
    """The columns to set beside `sequence` in an UPDATE that moves many outreaches onto it."""
    return {"sort_sequence": sequence.name}


def sequence_removed(*, sequence: Sequence) -> None:
    """The sequence is about to be deleted: its outreaches go on without one, in one UPDATE
    (instead of the per-chunk SET NULL of delete(), which would leave the copy behind)."""
    Outreach.objects.filter(sequence_id=sequence.pk).update(sequence=None, sort_sequence=None)


def user_renamed(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and "username" not in update_fields):
        return
    Outreach.objects.filter(company__owner_id=instance.pk).exclude(
        sort_owner=instance.username
    ).update(sort_owner=instance.username)


def user_deleted(sender, instance, **kwargs) -> None:
    # The user's companies lose their owner (SET_NULL), so their outreaches lose the copy.
    Outreach.objects.filter(company__owner_id=instance.pk).update(sort_owner=None)


def refresh(queryset: QuerySet[Outreach]) -> int:
    """Copy the names onto every outreach of `queryset` from the joins, in one UPDATE."""
    company = Company.objects.filter(pk=OuterRef("company_id"))
    sequence = Sequence.objects.filter(pk=OuterRef("sequence_id"))
    return queryset.update(
        sort_company=Subquery(company.values("name")[:1]),
        sort_owner=Subquery(company.values("owner__username")[:1]),
        sort_sequence=Subquery(sequence.values("name")[:1]),
    )
