from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    REP = "rep", "Rep"
    VIEWER = "viewer", "Viewer"


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    TRANSITION = "transition", "Transition"
    BATCH = "batch", "Batch"
    IMPORT = "import", "Import"
    ROLE_CHANGE = "role_change", "Role change"
    MEMBER_ADD = "member_add", "Member added"
    MEMBER_DEACTIVATE = "member_deactivate", "Member deactivated"
    INVITE = "invite", "Invite"
    SIGN_IN = "sign_in", "Sign-in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"


# How long an invite link stays good.
INVITE_DAYS = 7
