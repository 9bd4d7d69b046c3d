from outreach_site.api.viewsets import ServiceModelViewSet
from outreach_site.public_ids import PREFIXES

from .. import services
from ..filters import JobFilterSet
from ..models import Job
from .serializers import JobSerializer


class JobViewSet(ServiceModelViewSet):
    """Jobs, hottest first."""

    queryset = Job.objects.order_by("-heat_score", "id")
    serializer_class = JobSerializer
    filterset_class = JobFilterSet
    public_id_prefix = PREFIXES["job"]

    def create_object(self, data):
        return services.job_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.job_update(job=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        services.job_delete(job=instance, actor=self.request.user)
