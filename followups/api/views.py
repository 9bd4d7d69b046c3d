from core.api.viewsets import ServiceModelViewSet
from core.public_ids import PREFIXES

from .. import services
from ..filters import FollowUpFilterSet
from ..models import FollowUp
from .serializers import FollowUpSerializer


class FollowUpViewSet(ServiceModelViewSet):
    """Follow-ups, soonest due first."""

    queryset = FollowUp.objects.order_by("due_at", "id")
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilterSet
    public_id_prefix = PREFIXES["followup"]

    def create_object(self, data):
        return services.followup_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.followup_update(followup=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        services.followup_delete(followup=instance, actor=self.request.user)
