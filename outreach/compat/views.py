"""`insert.json`, `page.json` and `update.json`: read MassProspecting's body, call the service
`/api` calls, answer in MassProspecting's envelope."""

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.public_ids import PREFIXES, try_parse_public_id
from workspaces.authentication import TokenAuthentication

from ..models import Outreach
from ..services.outreaches import outreach_create, outreach_update
from .authentication import API_KEY_FIELD, BodyApiKeyAuthentication
from .filters import compat_filter, compat_ordering
from .serializers import (
    CompatErrorSerializer,
    CompatInsertBareSerializer,
    CompatInsertWrappedSerializer,
    CompatOutreachSerializer,
    CompatPageBodySerializer,
    CompatPageResponseSerializer,
    CompatRecordResponseSerializer,
    CompatUpdateBareSerializer,
    CompatUpdateWrappedSerializer,
    PageRequestSerializer,
)

# Keys MassProspecting's client adds to every body; api_key authenticates, the others mean
# nothing here.
CLIENT_KEYS = (API_KEY_FIELD, "id_account", "promiscuous", "backtrace")
SUCCESS = "success"
TAG = "MassProspecting-compatible API"


def read_fields(request) -> dict:
    """The body's fields, whether bare or wrapped as {"desc": {...}}, without the client's keys."""
    data = request.data
    if hasattr(data, "dict"):  # a form body: one value per key
        data = data.dict()
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.")
    fields = {k: v for k, v in data.items() if k not in CLIENT_KEYS and k != "desc"}
    if "desc" in data:
        desc = data["desc"]
        if not isinstance(desc, dict):
            raise ValidationError({"desc": ["Must be a JSON object of outreach fields."]})
        fields.update({k: v for k, v in desc.items() if k not in CLIENT_KEYS})
    return fields


def error_message(detail) -> str:
    """One line naming each field at fault: `status: "x" is not a valid choice. …`."""
    return "; ".join(_messages(detail, ""))


def _messages(detail, where: str):
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("detail", "non_field_errors"):
                yield from _messages(value, where)
            else:
                yield from _messages(value, f"{where}.{key}" if where else str(key))
    elif isinstance(detail, list):
        for item in detail:
            yield from _messages(item, where)
    else:
        yield f"{where}: {detail}" if where else str(detail)


def _outreach_named(value) -> Outreach:
    if value is None or value == "":
        raise ValidationError({"id": ["This field is required."]})
    pk = try_parse_public_id(PREFIXES["outreach"], value)
    if pk is None:
        shown = str(value) if len(str(value)) <= 60 else str(value)[:60] + "…"
        raise ValidationError(
            f"id not found: '{shown}' is not an outreach id (expected out_<number>)."
        )
    try:
        return Outreach.objects.for_api().get(pk=pk)
    except Outreach.DoesNotExist:
        raise NotFound(f"id not found: {value.strip()}.") from None


def _record(outreach: Outreach) -> dict:
    """The written outreach read back the way page.json lists it."""
    return CompatOutreachSerializer(Outreach.objects.for_api().get(pk=outreach.pk)).data


def _errors(*codes: int) -> dict:
    described = {
        400: "Bad input; the message names the field.",
        401: "No or invalid credentials (header token, `api_key` or session).",
        404: "No outreach with that id.",
        409: "The current state of the data forbids the change (e.g. a delivery status "
        "that cannot follow the current one).",
    }
    return {
        code: OpenApiResponse(CompatErrorSerializer, description=described[code]) for code in codes
    }


def _body(name: str, bare, wrapped) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name=name, serializers=[bare, wrapped], resource_type_field_name=None
    )


class CompatEndpoint(APIView):
    """POST only; every failure answers `{"status": "<message>"}` with its 4xx code."""

    authentication_classes = [
        TokenAuthentication,
        BodyApiKeyAuthentication,
        SessionAuthentication,
    ]
    http_method_names = ["post", "options"]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        response.data = {"status": error_message(response.data)}
        return response


class InsertView(CompatEndpoint):
    @extend_schema(
        tags=[TAG],
        summary="Insert an outreach (MassProspecting-compatible)",
        description=(
            "MassProspecting's `insert.json`: the fields bare or under `desc`; `outreach_type` and "
            "`status` are required. `status` is the delivery status: a value other than "
            "`pending` is reached along the delivery graph, one history row per step. "
            "Same rules as `POST /api/outreaches`."
        ),
        request=_body(
            "CompatInsertBody", CompatInsertBareSerializer, CompatInsertWrappedSerializer
        ),
        responses={200: CompatRecordResponseSerializer, **_errors(400, 401, 409)},
    )
    def post(self, request):
        serializer = CompatOutreachSerializer(data=read_fields(request))
        serializer.is_valid(raise_exception=True)
        outreach = outreach_create(actor=request.user, **serializer.validated_data)
        return Response({"status": SUCCESS, "result": _record(outreach)})


class UpdateView(CompatEndpoint):
    @extend_schema(
        tags=[TAG],
        summary="Update an outreach (MassProspecting-compatible)",
        description=(
            "MassProspecting's `update.json`: `id` (out_…) and the fields to change, bare or under "
            "`desc`. Writing the current `status` changes nothing; the next state of the "
            "delivery graph runs its transition; any other jump is 409. Same rules as "
            "`PATCH /api/outreaches/{id}`."
        ),
        request=_body(
            "CompatUpdateBody", CompatUpdateBareSerializer, CompatUpdateWrappedSerializer
        ),
        responses={200: CompatRecordResponseSerializer, **_errors(400, 401, 404, 409)},
    )
    def post(self, request):
        fields = read_fields(request)
        outreach = _outreach_named(fields.pop("id", None))
        serializer = CompatOutreachSerializer(outreach, data=fields, partial=True)
        serializer.is_valid(raise_exception=True)
        outreach = outreach_update(
            outreach=outreach, actor=request.user, **serializer.validated_data
        )
        return Response({"status": SUCCESS, "result": _record(outreach)})


class PageView(CompatEndpoint):
    @extend_schema(
        tags=[TAG],
        summary="Page through outreaches (MassProspecting-compatible)",
        description=(
            "MassProspecting's `page.json`. `count` is the number of records matching the filters "
            "on all pages; a page past the end has no results."
        ),
        request=CompatPageBodySerializer,
        responses={200: CompatPageResponseSerializer, **_errors(400, 401, 409)},
    )
    def post(self, request):
        params = PageRequestSerializer(data=read_fields(request))
        params.is_valid(raise_exception=True)
        page, limit = params.validated_data["page"], params.validated_data["limit"]
        queryset = compat_filter(
            Outreach.objects.for_api(), params.validated_data["filters"], request
        ).order_by(*compat_ordering(params.validated_data["order"], params.validated_data["asc"]))
        count = queryset.count()
        offset = (page - 1) * limit
        rows = list(queryset[offset : offset + limit]) if offset < count else []
        return Response(
            {
                "status": SUCCESS,
                "count": count,
                "results": CompatOutreachSerializer(rows, many=True).data,
            }
        )
