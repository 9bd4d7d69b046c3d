from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import ServiceModelViewSet
from core.public_ids import try_parse_public_id
from workspaces.roles import Permission, require

from ..models import Webhook, WebhookDelivery
from ..webhooks.services import (
    MANAGE,
    webhook_create,
    webhook_delete,
    webhook_redeliver,
    webhook_rotate_secret,
    webhook_send_test,
    webhook_update,
)
from .serializers import (
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookWithSecretSerializer,
)


class WebhookViewSet(ServiceModelViewSet):
    """Endpoints that receive signed events of your workspace (admins)."""

    queryset = Webhook.objects.order_by("id")
    serializer_class = WebhookSerializer
    public_id_prefix = Webhook.PUBLIC_ID_PREFIX
    filterset_fields: list[str] = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require(request.user, Permission.ADMINISTER, MANAGE)

    def update_object(self, instance, data):
        return webhook_update(webhook=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        webhook_delete(webhook=instance, actor=self.request.user)

    @extend_schema(
        summary="Add an endpoint; the answer holds its secret, shown this once",
        request=WebhookSerializer,
        responses={201: WebhookWithSecretSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = WebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = webhook_create(actor=request.user, **serializer.validated_data)
        return Response(self._with_secret(made), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A new secret, shown this once; the old one keeps signing for 24 hours",
        request=None,
        responses={200: WebhookWithSecretSerializer},
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request, id=None):
        made = webhook_rotate_secret(webhook=self.get_object(), actor=request.user)
        return Response(self._with_secret(made))

    @extend_schema(
        summary="The endpoint's deliveries, newest first",
        responses={200: WebhookDeliverySerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, id=None):
        webhook = self.get_object()
        rows = webhook.deliveries.select_related("event").order_by("-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery's event again (a new delivery)",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[^/]+)/redeliver",
    )
    def redeliver(self, request, id=None, delivery_id=None):
        webhook = self.get_object()
        pk = try_parse_public_id(WebhookDelivery.PUBLIC_ID_PREFIX, delivery_id)
        delivery = webhook.deliveries.filter(pk=pk).first() if pk else None
        if delivery is None:
            raise Http404
        again = webhook_redeliver(webhook=webhook, delivery=delivery, actor=request.user)
        return self._delivery(again)

    @extend_schema(
        summary="Send a `webhook.test` event to this endpoint",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, id=None):
        sent = webhook_send_test(webhook=self.get_object(), actor=request.user)
        return self._delivery(sent)

    def _delivery(self, delivery):
        # Read back after the worker may have sent it (tests run tasks at once).
        fresh = WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(fresh).data, status=status.HTTP_202_ACCEPTED)

    def _with_secret(self, made):
        data = WebhookSerializer(self.reload(made.webhook)).data
        return {**data, "secret": made.secret}
