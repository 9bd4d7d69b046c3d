"""Helpers for the migrations that moved existing data into the workspace "Default"."""

DEFAULT_NAME = "Default"


def default_workspace_id(apps) -> int:
    Workspace = apps.get_model("workspaces", "Workspace")
    return Workspace.objects.get_or_create(name=DEFAULT_NAME)[0].pk


def fill_workspace(app_label: str, *model_names: str):
    """A RunPython function putting the rows without a workspace in "Default" (made only when
    there are such rows)."""

    def fill(apps, schema_editor):
        for name in model_names:
            rows = apps.get_model(app_label, name).objects.filter(workspace__isnull=True)
            if rows.exists():
                rows.update(workspace_id=default_workspace_id(apps))

    return fill


def members_of_default(apps, schema_editor) -> None:
    """Existing users become members of "Default": staff as admins, everyone else as reps."""
    User = apps.get_model("auth", "User")
    Membership = apps.get_model("workspaces", "Membership")
    users = list(User.objects.filter(membership__isnull=True).values_list("pk", "is_staff"))
    if not users:
        return
    workspace_id = default_workspace_id(apps)
    Membership.objects.bulk_create(
        Membership(user_id=pk, workspace_id=workspace_id, role="admin" if staff else "rep")
        for pk, staff in users
    )
