"""`GET /api/enrichment_batches[/{id}]`: the progress of enrichment batches."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from core.api.fields import PublicIdField
from core.api.viewsets import PublicIdLookupMixin
from core.public_ids import PREFIXES

from ..models import EnrichmentBatch
from .serializers import SkippedSerializer


class EnrichmentBatchSerializer(serializers.ModelSerializer):
    id = PublicIdField(PREFIXES["enrichment_batch"])
    actor_id = PublicIdField(PREFIXES["user"], source="actor_id")
    status = serializers.ChoiceField(
        choices=["queued", "running", "finished"],
        read_only=True,
        help_text="queued: no chunk has run yet; running; finished: every outreach is done.",
    )
    done = serializers.IntegerField(
        read_only=True, help_text="ready + not_available + failed + skipped."
    )
    percent = serializers.SerializerMethodField()

    class Meta:
        model = EnrichmentBatch
        fields = [
            "id",
            "status",
            "total",
            "done",
            "percent",
            "ready",
            "not_available",
            "failed",
            "skipped",
            "requeued",
            "actor_id",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "failed": {"help_text": "The provider raised; the outreach went to not_available."},
            "skipped": {
                "help_text": "Left `enrichment` another way (by hand, deleted) before the "
                "worker reached it."
            },
            "requeued": {"help_text": "Times the recovery sweep queued its leftovers again."},
        }

    def get_percent(self, batch) -> int:
        return batch.percent


class BatchStartEnrichmentResponseSerializer(serializers.Serializer):
    success_count = serializers.IntegerField()
    batch_id = serializers.CharField(
        allow_null=True,
        help_text="Follow progress at /api/enrichment_batches/{batch_id}; null when nothing "
        "was queued (and in a dry run).",
    )
    skipped = SkippedSerializer(many=True)
    dry_run = serializers.BooleanField(
        required=False, help_text="Present (true) when nothing was written."
    )


@extend_schema_view(
    list=extend_schema(summary="Enrichment batches, newest first"),
    retrieve=extend_schema(summary="Progress of one enrichment batch"),
)
class EnrichmentBatchViewSet(
    PublicIdLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = EnrichmentBatch.objects.order_by("-created_at", "-id")
    serializer_class = EnrichmentBatchSerializer
    public_id_prefix = PREFIXES["enrichment_batch"]
    filterset_fields: list[str] = []
