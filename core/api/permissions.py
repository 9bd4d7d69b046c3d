from rest_framework.permissions import BasePermission

from core.scoping import NOT_A_MEMBER, current_workspace_id


class IsWorkspaceMember(BasePermission):
    """Signed in and a member of a workspace: every API call works inside one (core.scoping)."""

    message = NOT_A_MEMBER

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return current_workspace_id() is not None
