from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.fields import PublicIdField
from core.api.viewsets import PublicIdLookupMixin
from core.public_ids import PREFIXES


class UserSerializer(serializers.ModelSerializer):
    id = PublicIdField(PREFIXES["user"])
    name = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name"]

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class UserViewSet(
    PublicIdLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Read-only list of users, so clients can find owner ids."""

    queryset = get_user_model().objects.filter(is_active=True).order_by("username", "id")
    serializer_class = UserSerializer
    public_id_prefix = PREFIXES["user"]
    filterset_fields: list[str] = []

    @extend_schema(summary="The authenticated user", responses={200: UserSerializer})
    @action(detail=False, methods=["get"])
    def me(self, request):
        return Response(self.get_serializer(request.user).data)
