from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import ServiceModelViewSet
from core.public_ids import PREFIXES
from outreach.selectors import jobs_with_dormant_candidate

from .. import services
from ..filters import JobFilterSet
from ..models import Job
from .serializers import HeatExplanationSerializer, JobSerializer


class JobViewSet(ServiceModelViewSet):
    """Jobs, hottest first."""

    queryset = Job.objects.order_by("-heat_score", "id")
    serializer_class = JobSerializer
    filterset_class = JobFilterSet
    public_id_prefix = PREFIXES["job"]

    def get_queryset(self):
        return jobs_with_dormant_candidate(super().get_queryset())

    def create_object(self, data):
        return services.job_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.job_update(job=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        services.job_delete(job=instance, actor=self.request.user)

    @extend_schema(
        summary="Every part of the job's heat, and the total",
        responses={200: HeatExplanationSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def heat_explain(self, request, id=None):
        job = self.get_object()
        return Response({"job_id": job.public_id, **services.job_explain_heat(job).as_dict()})
