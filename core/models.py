"""Model pieces shared by every app."""

from django.db import models


def workspace_field(db_index: bool = True) -> models.ForeignKey:
    """The workspace a row belongs to (see core.scoping). Deleting a workspace that still holds
    rows is refused."""
    return models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=db_index,
    )
