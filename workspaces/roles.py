"""What each role may do: the table in the README, checked by the services (so the API, the
dashboard, admin actions and the compatibility endpoints agree)."""

from enum import Enum

from core.actors import Actor
from core.errors import Forbidden

from .choices import Role
from .selectors import membership_of


class Permission(Enum):
    WRITE = "create and edit records"
    DELETE_ANY = "delete records other users own"
    ASSIGN = "set an owner other than themselves or approve outreaches"
    CONFIGURE = "manage sequences and tags"
    AUDIT = "read the audit log"
    ADMINISTER = "manage members and roles"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.VIEWER: frozenset(),
    Role.REP: frozenset({Permission.WRITE}),
    Role.MANAGER: frozenset(set(Permission) - {Permission.ADMINISTER}),
    Role.ADMIN: frozenset(Permission),
}


def role_of(actor: Actor) -> str | None:
    """The actor's role; None when nothing limits them: the system (background work, commands)
    and staff without a membership (the Django admin)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    membership = membership_of(actor)
    if membership is None:
        return None if actor.is_staff else Role.VIEWER
    return membership.role


def may(actor: Actor, permission: Permission) -> bool:
    role = role_of(actor)
    return role is None or permission in ROLE_PERMISSIONS[role]


def require(actor: Actor, permission: Permission, action: str) -> None:
    """Refuse with 403 naming the role and the action, e.g. "A viewer may not delete companies."."""
    if not may(actor, permission):
        raise Forbidden(f"{_article(role_of(actor))} may not {action}.")


def require_delete(actor: Actor, owner_ids: set[int | None], action: str) -> None:
    """Deleting: a rep may delete what they own (every owner given is them)."""
    require(actor, Permission.WRITE, action)
    if may(actor, Permission.DELETE_ANY):
        return
    if not owner_ids or owner_ids != {actor.pk}:
        raise Forbidden(f"{_article(role_of(actor))} may only {action} they own.")


def require_owner(actor: Actor, owner_id: int | None, action: str) -> None:
    """Setting an owner other than oneself needs a manager."""
    if owner_id is not None and actor is not None and owner_id != actor.pk:
        require(actor, Permission.ASSIGN, action)


def _article(role: str | None) -> str:
    return f"A {role}" if role else "This user"
