"""An owner picker for the API: a user id that must name a member of the caller's workspace."""

from django.contrib.auth import get_user_model

from core.api.fields import PublicIdRelatedField
from core.public_ids import PREFIXES

from .selectors import members_in_scope


class MemberField(PublicIdRelatedField):
    """`usr_N` of a member of the workspace in scope; anyone else is "No user with id …"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", get_user_model().objects.none())  # see get_queryset
        super().__init__(PREFIXES["user"], **kwargs)

    def get_queryset(self):
        return members_in_scope()
