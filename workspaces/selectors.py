from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from core.actors import acting_user
from core.errors import Forbidden
from core.scoping import NOT_A_MEMBER, current_workspace_id, is_scoped

from .models import AuditEntry, Membership, Workspace

_CACHE = "_workspace_membership"


def membership_of(user) -> Membership | None:
    """The user's membership (None: none), read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if _CACHE not in user.__dict__:
        user.__dict__[_CACHE] = (
            Membership.objects.filter(user_id=user.pk).select_related("workspace").first()
        )
    return user.__dict__[_CACHE]


def prime_membership(user) -> None:
    """Keep the membership read with the user (`membership_pk`, `membership_workspace_id`,
    `membership_role` columns), so membership_of needs no query."""
    if getattr(user, "membership_pk", None) is None:
        user.__dict__[_CACHE] = None
    else:
        user.__dict__[_CACHE] = Membership(
            pk=user.membership_pk,
            user_id=user.pk,
            workspace_id=user.membership_workspace_id,
            role=user.membership_role,
        )


def forget_membership(user) -> None:
    user.__dict__.pop(_CACHE, None)


def workspace_id_of(*, user) -> int | None:
    membership = membership_of(user)
    return membership.workspace_id if membership else None


def workspace_of(user) -> Workspace | None:
    membership = membership_of(user)
    return membership.workspace if membership else None


def members(workspace_id: int, *, active_only: bool = True) -> QuerySet:
    """The users of one workspace, with their role as `role`."""
    users = get_user_model().objects.filter(membership__workspace_id=workspace_id)
    if active_only:
        users = users.filter(is_active=True)
    return users.select_related("membership").order_by("username", "id")


def audit_entries(workspace_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(workspace_id=workspace_id).order_by("-created_at", "-id")


def workspace_for_create(actor, given=None) -> int:
    """The workspace a new row goes to: the one given, else the one in scope, else the actor's."""
    if given is not None:
        return getattr(given, "pk", given)
    workspace_id = current_workspace_id() or workspace_id_of(user=acting_user(actor))
    if workspace_id is None:
        raise Forbidden(NOT_A_MEMBER)
    return workspace_id


def member_name(user) -> str:
    """What pages call a member: their name, else their username."""
    return user.get_full_name() or user.get_username()


def members_in_scope() -> QuerySet:
    """The active users an owner may be chosen from: the members of the workspace in scope
    (everyone, outside a request)."""
    users = get_user_model().objects.filter(is_active=True)
    if is_scoped():
        users = users.filter(membership__workspace_id=current_workspace_id() or 0)
    return users.order_by("username", "id")
