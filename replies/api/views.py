from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType
from rest_framework.parsers import BaseParser, FormParser
from rest_framework.response import Response

from core.api.viewsets import PublicIdLookupMixin
from core.errors import NotFound
from core.public_ids import PREFIXES, InvalidPublicId, parse_public_id
from sending.models import Mailbox
from workspaces.selectors import workspace_for_create

from .. import selectors
from ..filters import InboundMessageFilterSet
from ..models import InboundMessage
from ..services import receive
from .serializers import InboundMessageSerializer

RFC822 = "message/rfc822"


class MessageTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class RawMessageParser(BaseParser):
    """A raw RFC 5322 message (`message/rfc822`): its bytes, as they came."""

    media_type = RFC822

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.INBOUND_MAX_BYTES
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise MessageTooLarge(f"The message is over {limit:,} bytes, the most accepted.")
        return data


class InboundMessageViewSet(
    PublicIdLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Messages that came back in (read from mailboxes, or posted here), classified as reply,
    bounce, auto_reply, unsubscribe or unmatched, with what they were matched to."""

    serializer_class = InboundMessageSerializer
    filterset_class = InboundMessageFilterSet
    public_id_prefix = InboundMessage.PUBLIC_ID_PREFIX
    # Form bodies are parsed only so that the CSRF check of a signed-in browser can read them
    # (and refuse: 403); `create` takes message/rfc822 alone.
    parser_classes = [RawMessageParser, FormParser]

    def get_queryset(self):
        return selectors.inbound_messages()

    @extend_schema(
        summary="Store and classify one raw message",
        description=(
            "The body is the message exactly as received (`Content-Type: message/rfc822`). "
            "It is kept, classified and acted on as a message read from a mailbox is: a reply "
            "finishes its outreach, a hard bounce suppresses the address, an automatic answer "
            "pauses the sequence, a request to be removed opts the person out. The same "
            "message again (its Message-ID) is answered 200 with the message kept the first "
            "time, and changes nothing."
        ),
        parameters=[
            OpenApiParameter(
                "mailbox_id",
                OpenApiTypes.STR,
                description="The mailbox it arrived in (mbx_…), optional.",
                pattern=f"^{PREFIXES['mailbox']}_[1-9][0-9]{{0,18}}$",
            )
        ],
        request={RFC822: OpenApiTypes.BINARY},
        responses={
            201: InboundMessageSerializer,
            200: OpenApiResponse(
                InboundMessageSerializer, description="Kept before: the first answer."
            ),
            404: OpenApiResponse(description="No such mailbox in your workspace."),
            413: OpenApiResponse(description="The message is larger than accepted."),
        },
        filters=False,
    )
    def create(self, request, *args, **kwargs):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type != RFC822:
            raise UnsupportedMediaType(
                content_type or "(none)",
                detail=f"Send the raw message with Content-Type: {RFC822} "
                f"(not {content_type or 'none'}).",
            )
        mailbox = self._mailbox(request.query_params.get("mailbox_id"))
        # An empty body reaches no parser: DRF answers an empty form instead.
        raw = request.data if request.data else b""
        received = receive(
            raw=bytes(raw),
            mailbox=mailbox,
            workspace_id=None if mailbox else self._workspace_id(),
            actor=request.user,
        )
        body = self.get_serializer(received.message).data
        return Response(body, status=status.HTTP_201_CREATED if received.created else 200)

    def _mailbox(self, value: str | None) -> Mailbox | None:
        if value is None or value == "":
            return None
        try:
            pk = parse_public_id(PREFIXES["mailbox"], value)
        except InvalidPublicId as exc:
            raise ParseError({"mailbox_id": [str(exc)]}) from None
        mailbox = Mailbox.objects.filter(pk=pk).first()
        if mailbox is None:
            raise NotFound(f"No mailbox {value} in your workspace.", field="mailbox_id")
        return mailbox

    def _workspace_id(self) -> int:
        return workspace_for_create(self.request.user)

    @extend_schema(
        summary="The message exactly as it was received (RFC 5322)",
        responses={(200, RFC822): OpenApiResponse(description="The raw message.")},
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def raw(self, request, id=None):
        message = self.get_object(InboundMessage.objects.all())
        response = HttpResponse(bytes(message.raw), content_type=RFC822)
        response["Content-Disposition"] = f'attachment; filename="{message.public_id}.eml"'
        return response
