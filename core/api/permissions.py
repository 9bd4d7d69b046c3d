from rest_framework.permissions import BasePermission

from core.scoping import NOT_A_MEMBER, workspace_of_user


class IsWorkspaceMember(BasePermission):
    """Signed in and a member of a workspace: every API call works inside one (core.scoping)."""

    message = NOT_A_MEMBER

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return workspace_of_user(user=request.user) is not None
