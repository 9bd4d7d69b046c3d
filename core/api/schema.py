"""OpenAPI generation: every operation documents the errors it can answer."""

import inspect

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    """`{"detail": "..."}` — authentication, permission, not found, conflict, throttling."""

    detail = serializers.CharField()


FIELD_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        # Usually field -> list of messages; nested input nests, and unparsable JSON answers
        # {"detail": "..."}.
        "additionalProperties": {},
        "example": {"per": ["Must be at most 200."]},
    },
    description="Bad input: each key names the field or parameter at fault.",
)
UNAUTHENTICATED = OpenApiResponse(ErrorDetailSerializer, description="No or invalid credentials.")
FORBIDDEN = OpenApiResponse(
    ErrorDetailSerializer,
    description="Not a member of any workspace, or the role may not do this (the message names "
    "the role and the action).",
)
NOT_FOUND = OpenApiResponse(
    ErrorDetailSerializer, description="No object with that id in your workspace."
)
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    ErrorDetailSerializer,
    description="A body that is not JSON, a form or well-formed multipart.",
)
CONFLICT = OpenApiResponse(
    ErrorDetailSerializer, description="The current state does not allow this change."
)


class AutoSchema(SpectacularAutoSchema):
    def get_description(self) -> str:
        """The docstring of the view or of its action: never one of our generic bases (core), which
        speaks of the code (how writes reach the services), not of the endpoint."""
        action = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        if action is not None and not getattr(action, "__module__", "").startswith("core."):
            doc = get_doc(action)
            if doc:
                return doc
        own = type(self.view).__dict__.get("__doc__")
        return inspect.cleandoc(own) if own else ""

    def get_tags(self) -> list[str]:
        """Operations are grouped by resource: `/api/outreaches/…` under `outreaches`."""
        segments = [part for part in self.path.split("/") if part]
        if len(segments) >= 2 and segments[0] == "api":
            return [segments[1]]
        return super().get_tags()

    def _resolve_path_parameters(self, variables):
        """The `{id}` of a resource addressed by prefixed ids carries their pattern."""
        parameters = super()._resolve_path_parameters(variables)
        prefix = getattr(self.view, "public_id_prefix", "")
        for parameter in parameters:
            if prefix and parameter["name"] == getattr(self.view, "lookup_url_kwarg", None):
                parameter["schema"] = {
                    "type": "string",
                    "pattern": id_pattern(prefix),
                    "example": f"{prefix}_42",
                }
        return parameters

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        extra = {"400": FIELD_ERRORS, "401": UNAUTHENTICATED, "403": FORBIDDEN}
        if "{" in self.path:
            extra["404"] = NOT_FOUND
        if self.method in ("PATCH", "PUT", "DELETE", "POST"):
            extra["409"] = CONFLICT
        if self.method in ("PATCH", "PUT", "POST"):
            extra["415"] = UNSUPPORTED_MEDIA_TYPE
        for code, response in extra.items():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(response, code, direction=direction)
        return bodies


def strip_trailing_slashes(result, generator, request, public):
    """Document paths the way the REST contract writes them (`/api/outreaches`); both forms work."""
    result["paths"] = {(path.rstrip("/") or "/"): item for path, item in result["paths"].items()}
    return result


def id_pattern(prefix: str) -> str:
    """What a prefixed id looks like, for client generators and validators."""
    return f"^{prefix}_[1-9][0-9]{{0,18}}$"


class PublicIdFieldExtension(OpenApiSerializerFieldExtension):
    """A prefixed id with its own prefix as the example; a reference may be null."""

    target_class = "core.api.fields.PublicIdField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        return {
            "type": "string",
            "pattern": id_pattern(field.prefix),
            "example": f"{field.prefix}_42",
            "nullable": field.source != "pk",
        }


class PublicIdRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "core.api.fields.PublicIdRelatedField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = {
            "type": "string",
            "pattern": id_pattern(field.prefix),
            "example": f"{field.prefix}_42",
        }
        if field.allow_null:
            schema["nullable"] = True
        return schema
