"""The workspace, the role and what the role may do, for every dashboard page (buttons a role
may not use are hidden; the services refuse them anyway)."""

from .roles import Permission, may, role_of
from .selectors import membership_of


class _Can:
    def __init__(self, user):
        self.user = user

    def __getattr__(self, name: str) -> bool:
        try:
            permission = Permission[name.upper()]
        except KeyError:
            raise AttributeError(name) from None
        return may(self.user, permission)


def workspace(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = membership_of(user)
    return {
        "workspace": membership.workspace if membership else None,
        "role": role_of(user) if membership else None,
        "can": _Can(user),
    }
