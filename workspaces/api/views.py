from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import PublicIdLookupMixin
from core.public_ids import PREFIXES
from core.scoping import current_workspace_id

from ..filters import AuditFilterSet, MemberFilterSet
from ..models import AuditEntry
from ..roles import Permission, require
from ..selectors import audit_entries, members, membership_of
from .serializers import AuditEntrySerializer, MeSerializer, UserSerializer


class UserViewSet(
    PublicIdLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The members of your workspace, so clients can find owner ids."""

    serializer_class = UserSerializer
    public_id_prefix = PREFIXES["user"]
    filterset_class = MemberFilterSet
    queryset = get_user_model().objects.none()  # the schema's model; see get_queryset

    def get_queryset(self):
        return members(current_workspace_id())

    @extend_schema(summary="The authenticated user", responses={200: MeSerializer})
    @action(detail=False, methods=["get"])
    def me(self, request):
        membership_of(request.user)
        return Response(MeSerializer(request.user).data)


class AuditViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who changed what in your workspace, newest first (admins and managers)."""

    serializer_class = AuditEntrySerializer
    filterset_class = AuditFilterSet
    queryset = AuditEntry.objects.none()  # the schema's model; see get_queryset

    def get_queryset(self):
        return audit_entries(current_workspace_id())

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require(request.user, Permission.AUDIT, "read the audit log")
