from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import ServiceModelViewSet
from core.dry_run import maybe_rolled_back
from core.public_ids import PREFIXES, format_public_id
from sending import schedule
from sending.models import Mailbox
from sending.running import outreaches_batch_start

from ..filters import OutreachFilterSet, SequenceFilterSet, TagFilterSet
from ..models import Outreach, Sequence, Tag
from ..services.batches import outreaches_batch_assign_sequence
from ..services.enrichment import outreaches_batch_start_enrichment
from ..services.outreaches import (
    outreach_create,
    outreach_delete,
    outreach_transition,
    outreach_update,
)
from ..services.sequences import (
    sequence_create,
    sequence_delete,
    sequence_update,
    tag_create,
    tag_delete,
    tag_update,
)
from ..state_machine import transition_spec
from .enrichment import BatchStartEnrichmentResponseSerializer
from .serializers import (
    BatchAssignResponseSerializer,
    BatchAssignSerializer,
    BatchIdsSerializer,
    BatchStartResponseSerializer,
    BatchStartSerializer,
    DeleteResponseSerializer,
    DryRunQuerySerializer,
    OutreachSerializer,
    PreviewQuerySerializer,
    PreviewStepSerializer,
    ScheduleSerializer,
    SequenceSerializer,
    StaleQuerySerializer,
    TagSerializer,
    TransitionRequestSerializer,
    TransitionSerializer,
    outreach_list_items,
    outreach_list_values,
)


def transition_action(name: str):
    """A `PATCH /api/outreaches/{id}/<name>` endpoint for one transition of the table."""
    spec = transition_spec(name)

    def run_transition(self, request, id=None):
        outreach = self.get_object()
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("reason")
        outreach = outreach_transition(
            outreach=outreach,
            name=name,
            actor=request.user,
            metadata={"reason": reason} if reason else None,
            until=body.validated_data.get("until"),
        )
        return Response(self.get_serializer(self.reload(outreach)).data)

    # The router maps the HTTP method to the attribute of this name, so name it first.
    run_transition.__name__ = name
    documented = extend_schema(
        summary=f"{name}: {spec.describe_sources()} → '{spec.target}'",
        description=(
            f"Runs the `{name}` transition and records it in the history. "
            f"409 when the outreach is not in {spec.describe_sources()}."
        ),
        request=TransitionRequestSerializer,
        responses={200: OutreachSerializer},
    )(run_transition)
    return action(detail=True, methods=["patch"], url_path=name, url_name=name)(documented)


def is_dry_run(request, body) -> bool:
    """`dry_run` in the body, or `dry_run=true` in the query."""
    query = DryRunQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return body.validated_data["dry_run"] or query.validated_data["dry_run"]


@extend_schema_view(
    list=extend_schema(summary="Browse and search outreaches"),
    retrieve=extend_schema(summary="Fetch a single outreach"),
    create=extend_schema(summary="Record an outreach"),
    partial_update=extend_schema(
        summary="Update an outreach (e.g. assign sequence_id; null removes it)"
    ),
    destroy=extend_schema(summary="Delete an outreach", responses={200: DeleteResponseSerializer}),
)
class OutreachViewSet(ServiceModelViewSet):
    queryset = Outreach.objects.for_api()
    serializer_class = OutreachSerializer
    filterset_class = OutreachFilterSet
    public_id_prefix = PREFIXES["outreach"]

    def list(self, request, *args, **kwargs):
        # Ids first, then the page's rows as values() through the lean representation.
        values = outreach_list_values()
        if values is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())

        def rows(ids, filtered):
            return values.filter(pk__in=ids).order_by(*filtered.query.order_by)

        page = self.paginator.paginate_queryset(
            queryset, request, view=self, hydrate=rows, search=self.is_search()
        )
        return self.get_paginated_response(outreach_list_items(page))

    def retrieve(self, request, *args, **kwargs):
        # Read as the list reads its rows: the serializer's keys and values, without model
        # instances or a serializer for a single row.
        values = outreach_list_values()
        if values is None:
            return super().retrieve(request, *args, **kwargs)
        return Response(outreach_list_items([self.get_object(values)])[0])

    def create_object(self, data):
        return outreach_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return outreach_update(outreach=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        return outreach_delete(outreach=instance, actor=self.request.user)

    start_enrichment = transition_action("start_enrichment")
    complete_enrichment = transition_action("complete_enrichment")
    fail_enrichment = transition_action("fail_enrichment")
    start = transition_action("start")
    wait = transition_action("wait")
    pause = transition_action("pause")
    resume = transition_action("resume")
    finish = transition_action("finish")
    # Delivery status (the MassProspecting-compatible `status`): one endpoint per transition of
    # its table too.
    run = transition_action("run")
    perform = transition_action("perform")
    fail = transition_action("fail")
    abort = transition_action("abort")
    cancel = transition_action("cancel")
    retry = transition_action("retry")

    @extend_schema(
        summary="Assign a sequence to multiple outreaches",
        request=BatchAssignSerializer,
        parameters=[DryRunQuerySerializer],
        responses={200: BatchAssignResponseSerializer},
    )
    @action(detail=False, methods=["patch"], url_path="batch_assign")
    def batch_assign(self, request):
        body = BatchAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dry_run = is_dry_run(request, body)
        with maybe_rolled_back(dry_run):
            result = outreaches_batch_assign_sequence(
                ids=body.validated_data["outreach_ids"],
                sequence=body.validated_data["sequence"],
                actor=request.user,
            )
        answer = {
            "updated_count": result.updated_count,
            "sequence_name": result.sequence_name,
            "not_found": result.not_found,
        }
        return Response({**answer, "dry_run": True} if dry_run else answer)

    @extend_schema(
        summary="Start enrichment for multiple outreaches",
        description="The moved outreaches form one enrichment batch, worked in the background; "
        "`batch_id` names it for `GET /api/enrichment_batches/{id}`.",
        request=BatchIdsSerializer,
        parameters=[DryRunQuerySerializer],
        responses={200: BatchStartEnrichmentResponseSerializer},
    )
    @action(detail=False, methods=["patch"], url_path="batch_start_enrichment")
    def batch_start_enrichment(self, request):
        body = BatchIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dry_run = is_dry_run(request, body)
        with maybe_rolled_back(dry_run):
            result = outreaches_batch_start_enrichment(
                ids=body.validated_data["outreach_ids"], actor=request.user
            )
        answer = {
            "success_count": result.success_count,
            "batch_id": format_public_id(PREFIXES["enrichment_batch"], result.batch_id),
            "skipped": result.skipped,
        }
        if dry_run:  # the batch was never kept
            answer |= {"batch_id": None, "dry_run": True}
        return Response(answer)

    @extend_schema(
        summary="Start the sequences of multiple outreaches",
        description="Each outreach is started as `PATCH /api/outreaches/{id}/start` would: "
        "one that cannot start is skipped with the reason.",
        request=BatchStartSerializer,
        parameters=[DryRunQuerySerializer],
        responses={200: BatchStartResponseSerializer},
    )
    @action(detail=False, methods=["patch"], url_path="batch_start")
    def batch_start(self, request):
        body = BatchStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dry_run = is_dry_run(request, body)
        with maybe_rolled_back(dry_run):
            started, skipped = outreaches_batch_start(
                ids=body.validated_data["outreach_ids"],
                mailbox=body.validated_data.get("mailbox"),
                actor=request.user,
            )
        answer = {"success_count": len(started), "skipped": skipped}
        return Response({**answer, "dry_run": True} if dry_run else answer)

    @extend_schema(
        summary="When the next step of its sequence goes out, and what it waits for",
        responses={200: ScheduleSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def schedule(self, request, id=None):
        outreach = self.get_object(Outreach.objects.select_related("mailbox"))
        return Response(ScheduleSerializer(schedule.schedule_of(outreach).as_dict()).data)

    @extend_schema(
        summary="Stale outreaches: sent more than `hours` ago and still without an outcome",
        description="Outcome none or no_response, oldest sent first, leaving out archived, "
        "rejected and dormant jobs. Same envelope and pagination as the list.",
        parameters=[StaleQuerySerializer],
        responses={200: OutreachSerializer(many=True)},
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def stale(self, request):
        query = StaleQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = Outreach.objects.for_api().stale(hours=query.validated_data["hours"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="State history of an outreach, oldest first",
        responses={200: TransitionSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def transitions(self, request, id=None):
        outreach = self.get_object()
        history = outreach.transitions.select_related("actor").order_by("id")
        page = self.paginate_queryset(history)
        return self.get_paginated_response(TransitionSerializer(page, many=True).data)


class SequenceViewSet(ServiceModelViewSet):
    queryset = Sequence.objects.prefetch_related("steps").order_by("name", "id")
    serializer_class = SequenceSerializer
    public_id_prefix = PREFIXES["sequence"]
    filterset_class = SequenceFilterSet

    def create_object(self, data):
        return sequence_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return sequence_update(sequence=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        sequence_delete(sequence=instance, actor=self.request.user)

    @extend_schema(
        summary="Every step of the sequence as one person would receive it",
        parameters=[PreviewQuerySerializer],
        responses={200: PreviewStepSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def preview(self, request, id=None):
        sequence = self.get_object()
        query = PreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        mailbox = query.validated_data.get("mailbox") or (
            Mailbox.objects.filter(owner=request.user).order_by("created_at", "id").first()
        )
        steps = schedule.sequence_preview(sequence, query.validated_data["person"], mailbox)
        return Response(PreviewStepSerializer(steps, many=True).data)


class TagViewSet(ServiceModelViewSet):
    """Tags are named by their name: `/api/tags/important_lead`."""

    queryset = Tag.objects.order_by("name")
    serializer_class = TagSerializer
    filterset_class = TagFilterSet
    lookup_field = "name"
    lookup_url_kwarg = "name"

    def get_object(self):
        name = self.kwargs["name"]
        if "\x00" in name:  # PostgreSQL refuses NUL in text: no tag can have one
            raise Http404
        return get_object_or_404(self.get_queryset(), name=name)

    def create_object(self, data):
        return tag_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return tag_update(tag=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        tag_delete(tag=instance, actor=self.request.user)
