from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import PublicIdLookupMixin, ServiceModelViewSet
from core.public_ids import PREFIXES, try_parse_public_id
from outreach.models import Outreach

from .. import engine, schedule, selectors
from ..filters import MailboxFilterSet, MessageFilterSet
from ..models import DkimKey, Mailbox, Message
from ..services import (
    dkim_dns_record,
    dkim_key_generate,
    dkim_key_set,
    mailbox_create,
    mailbox_delete,
    mailbox_send_test,
    mailbox_update,
)
from .serializers import (
    DkimKeySerializer,
    ForecastSerializer,
    MailboxSerializer,
    MailboxTestSerializer,
    MessageSerializer,
)


class MailboxViewSet(ServiceModelViewSet):
    """Mailboxes that sequences send through. Everyone reads them; reps manage their own,
    managers anyone's."""

    serializer_class = MailboxSerializer
    public_id_prefix = Mailbox.PUBLIC_ID_PREFIX
    filterset_class = MailboxFilterSet

    def get_queryset(self):
        return selectors.mailboxes_with_sent()

    def create_object(self, data):
        return mailbox_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return mailbox_update(mailbox=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        mailbox_delete(mailbox=instance, actor=self.request.user)

    @extend_schema(
        summary="Send one message to the owner's address through this mailbox",
        description=(
            "Answers what the server said. A local mailbox builds and stores the message and "
            "sends nothing. A refused login is a 400, an unreachable server or a refused "
            "message a 502, both with `detail`, `code` and `answer`."
        ),
        request=None,
        responses={
            200: MailboxTestSerializer,
            400: OpenApiResponse(description="The server refused the login."),
            502: OpenApiResponse(description="The server could not be reached or said no."),
        },
        filters=False,
    )
    @action(detail=True, methods=["post"])
    def test(self, request, id=None):
        sent = mailbox_send_test(mailbox=self.get_object(), actor=request.user)
        if sent.delivered:
            detail = f"Sent to {sent.message.to}; the server said: {sent.answer}"
        else:
            detail = (
                f"Built and stored as {sent.message.public_id}. A local mailbox sends nothing: "
                "nothing left this machine."
            )
        return Response(
            {
                "delivered": sent.delivered,
                "code": sent.code,
                "answer": sent.answer,
                "detail": detail,
                "message_id": sent.message.public_id,
                "to": sent.message.to,
            }
        )

    @extend_schema(
        summary="How many messages wait on this mailbox, and when they will have gone out",
        responses={200: ForecastSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def forecast(self, request, id=None):
        return Response(ForecastSerializer(schedule.mailbox_forecast(self.get_object())).data)


class MessageViewSet(PublicIdLookupMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Messages sent for outreaches, and their exact bytes."""

    queryset = Message.objects.defer("raw").order_by("id")
    serializer_class = MessageSerializer
    public_id_prefix = Message.PUBLIC_ID_PREFIX
    filterset_class = None

    @extend_schema(
        summary="The message exactly as it was sent (RFC 5322)",
        responses={(200, "message/rfc822"): OpenApiResponse(description="The raw message.")},
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def raw(self, request, id=None):
        message = self.get_object(Message.objects.all())
        response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="{message.public_id}.eml"'
        return response

    @extend_schema(
        summary="An uncertain message did leave: count it as sent and go on with the sequence",
        request=None,
        responses={200: MessageSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path="mark_sent")
    def mark_sent(self, request, id=None):
        message = engine.message_mark_sent(message=self.get_object(), actor=request.user)
        return Response(MessageSerializer(message).data)

    @extend_schema(
        summary="An uncertain message did not leave: send it again",
        request=None,
        responses={200: MessageSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path="send_again")
    def send_again(self, request, id=None):
        message = engine.message_send_again(message=self.get_object(), actor=request.user)
        return Response(MessageSerializer(message).data)


class OutreachMessagesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET /api/outreaches/{id}/messages`: an outreach's messages, oldest first."""

    serializer_class = MessageSerializer
    filterset_class = MessageFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is being generated
            return Message.objects.none()
        pk = try_parse_public_id(PREFIXES["outreach"], self.kwargs["outreach_id"])
        if pk is None or not Outreach.objects.filter(pk=pk).exists():
            raise Http404
        return selectors.outreach_messages(pk)

    @extend_schema(summary="An outreach's messages, oldest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


def _dkim_answer(key: DkimKey) -> dict:
    record = dkim_dns_record(key)
    return {
        "domain": key.domain,
        "selector": key.selector,
        "dns_name": record["name"],
        "dns_value": record["value"],
        "updated_at": key.updated_at,
    }


class DkimKeyViewSet(viewsets.ViewSet):
    """`/api/dkim_key`: the workspace's DKIM key. Messages from mailboxes on its domain are
    signed with it once the TXT record is published."""

    @extend_schema(
        summary="The workspace's DKIM key and the DNS record to publish",
        responses={200: DkimKeySerializer, 404: OpenApiResponse(description="No key yet.")},
    )
    def list(self, request):
        key = DkimKey.objects.first()
        if key is None:
            raise Http404("No DKIM key yet: POST one (admins).")
        return Response(DkimKeySerializer(_dkim_answer(key)).data)

    @extend_schema(
        summary="Set the workspace's DKIM key, or have one made (admins)",
        request=DkimKeySerializer,
        responses={200: DkimKeySerializer},
    )
    def create(self, request):
        body = DkimKeySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        if values.get("private_key"):
            key = dkim_key_set(actor=request.user, **values)
        else:
            key = dkim_key_generate(
                actor=request.user, domain=values["domain"], selector=values["selector"]
            )
        return Response(DkimKeySerializer(_dkim_answer(key)).data)
